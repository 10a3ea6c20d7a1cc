namespace BypassNet;

/// <summary>
/// io_uring features BypassNet uses. Buffer rings, multishot receive and multishot accept are required: without any of
/// them the runtime uses System.Net.Sockets. The others have a degraded path inside the io_uring engine.
/// </summary>
[Flags]
public enum IoUringFeatures
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>Provided buffer rings. Required: without them the runtime falls back to sockets.</summary>
    BufferRings = 1 << 0,

    /// <summary>Multishot receive. Required: without it the runtime falls back to sockets.</summary>
    MultishotReceive = 1 << 1,

    /// <summary>Multishot accept. Required: without it the runtime falls back to sockets.</summary>
    MultishotAccept = 1 << 2,

    /// <summary>Zero-copy send; without it large sends use plain SEND.</summary>
    SendZeroCopy = 1 << 3,

    /// <summary>Registered (fixed) buffers; without them sends name plain addresses.</summary>
    FixedBuffers = 1 << 4,

    /// <summary>Completions are never dropped on CQ overflow. Required: without it BypassNet falls back to sockets.</summary>
    NoDrop = 1 << 5,

    /// <summary>Single-issuer rings with deferred task running (fewer interrupts, batched completions).</summary>
    DeferTaskrun = 1 << 6,
}
