using System.Net;
using Microsoft.Extensions.Logging;

namespace BypassNet.Samples.Resp;

/// <summary>How to run a <see cref="RespServer"/>.</summary>
public sealed class RespServerOptions
{
    /// <summary>Address to listen on. Default: loopback (this sample has no authentication).</summary>
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>TCP port; 0 picks a free one (see <see cref="RespServer.EndPoint"/>).</summary>
    public int Port { get; set; } = 6380;

    /// <summary>io_uring, sockets, or Auto (io_uring when the kernel offers it).</summary>
    public EngineKind Engine { get; set; } = EngineKind.Auto;

    /// <summary>
    /// Rings (event-loop threads). Default 1: like redis-server's single thread, and on a small machine the load
    /// generator needs the other cores.
    /// </summary>
    public int RingCount { get; set; } = 1;

    /// <summary>Run connection loops on the ring threads (fastest; the loop never blocks). Default true.</summary>
    public bool InlineContinuations { get; set; } = true;

    /// <summary>64 KiB reply buffers in the runtime's pool (shared by all connections).</summary>
    public int SendBufferCount { get; set; } = 256;

    /// <summary>
    /// Most clients served at once (redis-server's maxclients); a client beyond it gets
    /// <c>-ERR max number of clients reached</c> and is closed. Default (null): 10000, lowered to what the descriptor
    /// limit leaves after start-up less a reserve, so the server refuses before accept runs out of descriptors. A value
    /// given is used as is.
    /// </summary>
    public int? MaxClients { get; set; }

    /// <summary>Where connection failures are logged. Default: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }
}
