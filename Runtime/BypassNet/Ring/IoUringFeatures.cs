namespace BypassNet;

/// <summary>
/// io_uring features BypassNet probes for. Each is either required (without it the runtime runs on the socket engine,
/// and <see cref="BypassRuntime.FallbackReason"/> names it) or optional (the runtime stays on io_uring and lists a
/// <see cref="Degradation"/>). <see cref="BypassNetOptions.DisabledFeatures"/> simulates any of them missing.
/// </summary>
[Flags]
public enum IoUringFeatures
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>Provided buffer rings (IORING_REGISTER_PBUF_RING, Linux 5.19). Required: receives land in them.</summary>
    BufferRings = 1 << 0,

    /// <summary>Multishot receive (IORING_RECV_MULTISHOT, Linux 6.0). Required: every receive is one.</summary>
    MultishotReceive = 1 << 1,

    /// <summary>Multishot accept (IORING_ACCEPT_MULTISHOT, Linux 5.19). Required: listeners accept with it.</summary>
    MultishotAccept = 1 << 2,

    /// <summary>Zero-copy send (IORING_OP_SEND_ZC, Linux 6.0). Optional: without it large sends use plain SEND.</summary>
    SendZeroCopy = 1 << 3,

    /// <summary>Registered (fixed) buffers (IORING_REGISTER_BUFFERS). Optional: without them sends name plain addresses.</summary>
    FixedBuffers = 1 << 4,

    /// <summary>Completions are never dropped on CQ overflow (IORING_FEAT_NODROP, Linux 5.5). Required.</summary>
    NoDrop = 1 << 5,

    /// <summary>Single-issuer rings with deferred task running (Linux 6.1). Optional: cooperative task running instead.</summary>
    DeferTaskrun = 1 << 6,

    /// <summary>
    /// ASYNC_CANCEL with IORING_ASYNC_CANCEL_FD, _ALL and _ANY (Linux 5.19). Required: closing a socket cancels every
    /// operation on its descriptor, and disposing a ring cancels everything, with one request each.
    /// </summary>
    CancelFlags = 1 << 7,

    /// <summary>
    /// IORING_SEND_ZC_REPORT_USAGE (Linux 6.2, backported to 6.1.y). Optional: without it SEND_ZC is not used, since a
    /// zero-copy send the kernel copied anyway could not be told apart.
    /// </summary>
    SendZeroCopyReportUsage = 1 << 8,

    /// <summary>
    /// Incremental buffer consumption (IOU_PBUF_RING_INC, Linux 6.12). Probed and reported; the receive path does not
    /// use it yet (each receive consumes a whole buffer), so its absence changes nothing.
    /// </summary>
    IncrementalBufferConsumption = 1 << 9,

    /// <summary>IORING_REGISTER_PROBE (Linux 5.6). Required: without it no opcode can be checked.</summary>
    OpcodeProbe = 1 << 10,

    /// <summary>The socket opcodes SEND, RECV, ACCEPT, CONNECT, ASYNC_CANCEL and READ (Linux 5.6). Required.</summary>
    SocketOpcodes = 1 << 11,
}
