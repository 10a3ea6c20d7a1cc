using System.Collections.Concurrent;
using System.Net.Sockets;
using BypassNet.Sockets;

namespace BypassNet.Engines;

/// <summary>
/// An engine: creates the data plane for sockets, owns the buffers they use, and closes what is left when disposed.
/// Statistics and backpressure policy are kept here for both engines, so they cannot drift apart.
/// </summary>
internal abstract class SocketEngine : IDisposable
{
    private readonly ConcurrentDictionary<SocketTransport, byte> _live = new();

    protected SocketEngine(BypassNetOptions options)
    {
        WarmErrorPaths();
        Options = options;
        Backpressure = new BackpressurePolicy(options);
    }

    public BypassNetOptions Options { get; }

    public abstract EngineKind Kind { get; }

    /// <summary>The pool applications rent send buffers from.</summary>
    public abstract BufferPool Buffers { get; }

    public EngineStatistics Statistics { get; } = new();

    public BackpressurePolicy Backpressure { get; }

    /// <summary>Sockets not yet closed.</summary>
    public int LiveSockets => _live.Count;

    public SocketTransport CreateTransport(Socket socket, bool connected)
    {
        SocketTransport transport = Create(socket, connected);
        _live.TryAdd(transport, 0);
        return transport;
    }

    /// <summary>Called by a transport once its descriptor is closed.</summary>
    public void Forget(SocketTransport transport) => _live.TryRemove(transport, out _);

    public abstract void Dispose();

    protected abstract SocketTransport Create(Socket socket, bool connected);

    /// <summary>
    /// Builds once what the accept, receive, close and shutdown error paths build, so nothing there is a first use:
    /// under descriptor exhaustion a first-time assembly or resource load can fail, and the runtime remembers it.
    /// </summary>
    private static void WarmErrorPaths()
    {
        if (Interlocked.Exchange(ref s_warmed, 1) != 0)
        {
            return;
        }

        foreach (int errno in new[] { Interop.Libc.EMFILE, Interop.Libc.ENFILE, Interop.Libc.ECONNRESET, Interop.Libc.EPIPE, Interop.Libc.ECANCELED })
        {
            _ = SocketErrors.Exception(errno).Message;
        }

        _ = SocketTransport.Disposed("a receive").Message;
        _ = new ObjectDisposedException(nameof(BypassRuntime), "warm-up").Message;
        _ = new OperationCanceledException(CancellationToken.None).Message;
        _ = new InvalidOperationException("warm-up").Message;
        _ = Ring.RingFailedException.FromErrno(-1, Interop.Libc.EMFILE, "warm-up").Message;

        // The accept back-off waits on a timer; the first timer ever scheduled starts the runtime's timer thread, and
        // under EMFILE that start fails (OutOfMemoryException). Schedule one now, so the thread exists.
        using (new Timer(static _ => { }, null, 60_000, Timeout.Infinite))
        {
        }
    }

    private static int s_warmed;

    /// <summary>Closes every socket still open, so their pending operations fail with ObjectDisposedException on both engines alike.</summary>
    internal void CloseAll()
    {
        // Two phases: every socket fails its pending work with ObjectDisposedException before any descriptor closes,
        // so no socket of this runtime sees its peer (also of this runtime) go away first.
        // No LINQ here: under EMFILE a first-time assembly load fails, and this runs at shutdown.
        ICollection<SocketTransport> keys = _live.Keys;
        var transports = new SocketTransport[keys.Count];
        keys.CopyTo(transports, 0);
        foreach (SocketTransport transport in transports)
        {
            transport.MarkClosing();
        }

        foreach (SocketTransport transport in transports)
        {
            transport.Close();
        }
    }
}
