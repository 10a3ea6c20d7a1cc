using System.Net;
using System.Net.Sockets;

namespace BypassNet.Samples.Attack;

/// <summary>The attacker's sockets: opened with a small receive buffer (so the server's replies back up fast), closed together.</summary>
internal sealed class AttackConnections : IAsyncDisposable
{
    private readonly List<Socket> _sockets = [];

    public IReadOnlyList<Socket> Sockets => _sockets;

    /// <summary>Connection attempts that failed or timed out.</summary>
    public int Failed { get; private set; }

    /// <summary>
    /// Opens up to <paramref name="count"/> connections, one after the other, each given <paramref name="connectTimeout"/>;
    /// <paramref name="receiveBuffer"/> bytes of SO_RCVBUF (0 = the default), set before connecting so the window is small.
    /// </summary>
    public async Task OpenAsync(IPEndPoint target, int count, int receiveBuffer, TimeSpan connectTimeout, CancellationToken cancel)
    {
        for (int i = 0; i < count && !cancel.IsCancellationRequested; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            if (receiveBuffer > 0)
            {
                socket.ReceiveBufferSize = receiveBuffer;
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            deadline.CancelAfter(connectTimeout);
            try
            {
                await socket.ConnectAsync(target, deadline.Token).ConfigureAwait(false);
                _sockets.Add(socket);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                Failed++;
            }
        }
    }

    /// <summary>Resets every connection at once (linger 0): the server sees its peers vanish, as when a process dies.</summary>
    public ValueTask DisposeAsync()
    {
        foreach (Socket socket in _sockets)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            catch (SocketException)
            {
            }

            socket.Dispose();
        }

        _sockets.Clear();
        return ValueTask.CompletedTask;
    }
}
