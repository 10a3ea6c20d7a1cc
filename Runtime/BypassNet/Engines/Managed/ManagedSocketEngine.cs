using System.Net.Sockets;
using BypassNet.Sockets;

namespace BypassNet.Engines.Managed;

/// <summary>The fallback engine: System.Net.Sockets underneath, the same owned-buffer API on top (filled by copy).</summary>
internal sealed class ManagedSocketEngine : SocketEngine
{
    private readonly BufferPool _sendPool;
    private readonly BufferPool _receivePool;
    private readonly EngineStatistics _statistics = new();

    public ManagedSocketEngine(BypassNetOptions options)
    {
        _sendPool = new BufferPool(options.SendBufferSize, options.SendBufferCount);
        _receivePool = new BufferPool(options.ReceiveBufferSize, options.ReceiveBuffersPerRing * options.RingCount);
    }

    public override EngineKind Kind => EngineKind.Socket;

    public override BufferPool Buffers => _sendPool;

    public override EngineStatistics Statistics => _statistics;

    protected override SocketTransport Create(Socket socket, bool connected) => new ManagedSocketTransport(this, socket, _receivePool, _statistics);

    public override void Dispose()
    {
        CloseAll();
        _sendPool.Dispose();
        _receivePool.Dispose();
    }
}
