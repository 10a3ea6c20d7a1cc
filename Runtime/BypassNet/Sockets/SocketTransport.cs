using System.Net;
using System.Net.Sockets;
using BypassNet.Engines;

namespace BypassNet.Sockets;

/// <summary>
/// The data plane of one <see cref="BypassSocket"/>: accept, connect, send and receive on an engine. The control plane
/// (bind, listen, options, shutdown, endpoints) stays on the underlying <see cref="System.Net.Sockets.Socket"/>.
/// The semantics both engines must share live here, once: how a failure is reported (<see cref="Failure"/>) and how
/// completed work is counted (<see cref="RecordSend"/>, <see cref="RecordReceive"/>, <see cref="RecordAccept"/>).
/// </summary>
internal abstract class SocketTransport : IAsyncDisposable
{
    /// <summary>How long a listener out of descriptors waits before accepting again (both engines): short enough to resume promptly, long enough not to spin.</summary>
    public static readonly TimeSpan ExhaustedAcceptBackoff = TimeSpan.FromMilliseconds(50);

    protected SocketTransport(Socket socket, EngineCounters statistics)
    {
        Socket = socket;
        Statistics = statistics;
    }

    /// <summary>The control-plane socket. A connect may replace it with one that knows its endpoints.</summary>
    public Socket Socket { get; protected internal set; }

    /// <summary>The stripe of the engine's counters this transport adds to.</summary>
    public EngineCounters Statistics { get; }

    /// <summary>True once a connect or accept gave this transport a peer, until it is closed.</summary>
    public abstract bool Connected { get; }

    /// <summary>Bytes that a receive can return without waiting.</summary>
    public abstract int Available { get; }

    /// <summary>True on a thread where blocking would deadlock the engine (a ring's own thread).</summary>
    public abstract bool OnEngineThread { get; }

    /// <summary>
    /// Run this socket's await continuations on the engine thread that completed the operation, whatever the
    /// runtime's <see cref="BypassNetOptions.InlineContinuations"/> says. Set by the compat faces (pipe, Kestrel) whose
    /// own plumbing never blocks; they hand the application's continuations to the thread pool themselves. The socket
    /// engine's completions already run on its I/O threads, so it ignores this.
    /// </summary>
    public bool InlineCompletions { get; set; }

    /// <summary>
    /// Sends what the kernel takes right now, on the calling thread, without waiting: the bytes sent (possibly fewer
    /// than asked), or -1 when this must go through the engine instead (would block, an error the engine will report,
    /// zero-copy sized, on the engine's own thread, or an engine without the shortcut). Only for a caller that is the
    /// socket's one sender and has no send in flight, or bytes could overtake queued ones.
    /// </summary>
    public virtual int TrySendNow(ReadOnlySpan<byte> data) => -1;

    /// <summary>True once the socket is closing (or its engine stopping): any failure from now on is reported as the close.</summary>
    protected abstract bool ReportsClose { get; }

    public abstract ValueTask<Socket> AcceptAsync(CancellationToken cancellationToken);

    /// <summary>Whether an accept would complete now: a connection in the kernel's backlog (or, for an engine that accepts ahead, one already taken).</summary>
    public virtual bool HasPendingAccept => Socket.Poll(0, SelectMode.SelectRead);

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

    /// <summary>
    /// The error a failed operation reports, the same on both engines: on a closing socket whatever the kernel said
    /// (ECANCELED, or a reset by a peer closed at the same time) the cause is the close; a cancel the caller asked for
    /// is <see cref="OperationCanceledException"/>; anything else is the <see cref="SocketException"/> for the errno.
    /// </summary>
    public Exception Failure(int errno, string what, CancellationToken cancellationToken)
    {
        if (ReportsClose)
        {
            return Disposed(what);
        }

        if (errno == Interop.Libc.ECANCELED && cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException(cancellationToken);
        }

        return SocketErrors.Exception(errno);
    }

    /// <summary>The exception for an operation that the socket's close ended.</summary>
    public static ObjectDisposedException Disposed(string what) => new(nameof(BypassSocket), $"The socket was disposed while {what} was pending.");

    public void RecordSend(long bytes)
    {
        Statistics.Add(ref Statistics.Sends);
        Statistics.Add(ref Statistics.BytesSent, bytes);
    }

    public void RecordReceive(long bytes)
    {
        Statistics.Add(ref Statistics.Receives);
        Statistics.Add(ref Statistics.BytesReceived, bytes);
    }

    public void RecordAccept() => Statistics.Add(ref Statistics.Accepts);

    protected static void ValidateFlags(SocketFlags socketFlags, bool receive)
    {
        SocketFlags allowed = receive ? SocketFlags.Peek : SocketFlags.None;
        if ((socketFlags & ~allowed) != 0)
        {
            throw new SocketException((int)SocketError.OperationNotSupported);
        }
    }
}
