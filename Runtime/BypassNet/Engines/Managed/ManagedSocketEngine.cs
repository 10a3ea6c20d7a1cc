using System.Collections.Concurrent;
using System.Net.Sockets;
using BypassNet.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BypassNet.Engines.Managed;

/// <summary>The fallback engine: System.Net.Sockets underneath, the same owned-buffer API on top (filled by copy).</summary>
internal sealed class ManagedSocketEngine : SocketEngine
{
    private readonly BufferPool _sendPool;
    private readonly BufferPool _receivePool;
    private readonly EngineStatistics _statistics = new();
    private readonly ConcurrentDictionary<ManagedSocketTransport, byte> _live = new();

    public ManagedSocketEngine(BypassNetOptions options, ILogger? logger = null)
    {
        _sendPool = new BufferPool(options.SendBufferSize, options.SendBufferCount);
        _receivePool = new BufferPool(options.ReceiveBufferSize, options.ReceiveBuffersPerRing * options.RingCount);
        if (options.PoisonEnabled)
        {
            _sendPool.EnablePoison(logger ?? NullLogger.Instance, "BypassRuntime.Buffers");
            _receivePool.EnablePoison(logger ?? NullLogger.Instance, "receive pool");
        }
    }

    /// <summary>The pool receives rent from (the socket engine's stand-in for the provided buffer rings).</summary>
    internal BufferPool ReceivePool => _receivePool;

    public override EngineKind Kind => EngineKind.Socket;

    public override BufferPool Buffers => _sendPool;

    public override EngineStatistics Statistics => _statistics;

    public override SocketTransport CreateTransport(Socket socket, bool connected)
    {
        var transport = new ManagedSocketTransport(socket, _receivePool, _statistics, this);
        _live.TryAdd(transport, 0);
        return transport;
    }

    /// <summary>A transport was closed: the engine no longer needs to close it on dispose.</summary>
    internal void Forget(ManagedSocketTransport transport) => _live.TryRemove(transport, out _);

    public override void Dispose()
    {
        // Sockets of a disposed runtime can do nothing more: closing them ends their pending operations
        // (ObjectDisposedException) instead of leaving them waiting on a runtime that is gone.
        foreach (ManagedSocketTransport transport in _live.Keys)
        {
            transport.Close();
        }

        _sendPool.Dispose();
        _receivePool.Dispose();
    }
}
