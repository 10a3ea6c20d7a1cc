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

    /// <summary>Closes every socket still open, so their pending operations fail with ObjectDisposedException on both engines alike.</summary>
    internal void CloseAll()
    {
        // Two phases: every socket fails its pending work with ObjectDisposedException before any descriptor closes,
        // so no socket of this runtime sees its peer (also of this runtime) go away first.
        SocketTransport[] transports = _live.Keys.ToArray();
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
