using System.Net;
using System.Net.Sockets;

namespace BypassNet.Sockets;

/// <summary>
/// The data plane of one <see cref="BypassSocket"/>: accept, connect, send and receive on an engine. The control plane
/// (bind, listen, options, shutdown, endpoints) stays on the underlying <see cref="System.Net.Sockets.Socket"/>.
/// </summary>
internal abstract class SocketTransport : IAsyncDisposable
{
    protected SocketTransport(Socket socket) => Socket = socket;

    /// <summary>The control-plane socket. A connect may replace it with one that knows its endpoints.</summary>
    public Socket Socket { get; protected set; }

    /// <summary>True once a connect or accept gave this transport a peer, until it is closed.</summary>
    public abstract bool Connected { get; }

    /// <summary>Bytes that a receive can return without waiting.</summary>
    public abstract int Available { get; }

    public abstract ValueTask<Socket> AcceptAsync(CancellationToken cancellationToken);

    public abstract ValueTask ConnectAsync(EndPoint remoteEndPoint, CancellationToken cancellationToken);

    public abstract ValueTask<int> SendAsync(OwnedBuffer buffer, CancellationToken cancellationToken);

    public abstract ValueTask<OwnedBuffer> ReceiveAsync(CancellationToken cancellationToken);

    public abstract ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, SocketFlags socketFlags, CancellationToken cancellationToken);

    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer, SocketFlags socketFlags, CancellationToken cancellationToken);

    /// <summary>Fails pending and later operations with <see cref="ObjectDisposedException"/> without closing the descriptor yet.</summary>
    public abstract void MarkClosing();

    /// <summary>Starts closing: pending operations fail with <see cref="ObjectDisposedException"/>; the descriptor closes after the last completion.</summary>
    public abstract void Close();

    /// <summary>Closes and waits until every operation has completed and the descriptor is closed.</summary>
    public abstract ValueTask DisposeAsync();

    protected static void ValidateFlags(SocketFlags socketFlags, bool receive)
    {
        SocketFlags allowed = receive ? SocketFlags.Peek : SocketFlags.None;
        if ((socketFlags & ~allowed) != 0)
        {
            throw new SocketException((int)SocketError.OperationNotSupported);
        }
    }
}
