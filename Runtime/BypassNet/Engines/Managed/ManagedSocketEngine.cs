using System.Net.Sockets;
using BypassNet.Diagnostics;
using BypassNet.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BypassNet.Engines.Managed;

/// <summary>The fallback engine: System.Net.Sockets underneath, the same owned-buffer API on top (filled by copy).</summary>
internal sealed class ManagedSocketEngine : SocketEngine
{
    private readonly BufferPool _sendPool;
    private readonly BufferPool _receivePool;

    public ManagedSocketEngine(BypassNetOptions options, ILogger? logger = null)
        : base(options)
    {
        Logger = GuardedLogger.Wrap(logger ?? NullLogger.Instance);
        _sendPool = new BufferPool(options.SendBufferSize, options.SendBufferCount);
        // As many receive buffers as the io_uring engine has ring slots: the same receive memory bound on both engines.
        _receivePool = new BufferPool(options.ReceiveBufferSize, Backpressure.ReceiveBuffersTotal);
        if (options.PoisonEnabled)
        {
            _sendPool.EnablePoison(logger ?? NullLogger.Instance, "BypassRuntime.Buffers");
            _receivePool.EnablePoison(logger ?? NullLogger.Instance, "receive pool");
        }
    }

    /// <summary>Where the engine reports load conditions (descriptor exhaustion); it cannot throw into an accept.</summary>
    public ILogger Logger { get; }

    /// <summary>The pool receives rent from (the socket engine's stand-in for the provided buffer rings).</summary>
    internal BufferPool ReceivePool => _receivePool;

    public override EngineKind Kind => EngineKind.Socket;

    public override BufferPool Buffers => _sendPool;

    protected override SocketTransport Create(Socket socket, bool connected) => new ManagedSocketTransport(this, socket, _receivePool);

    public override void Dispose()
    {
        CloseAll();
        _sendPool.Dispose();
        _receivePool.Dispose();
    }
}
