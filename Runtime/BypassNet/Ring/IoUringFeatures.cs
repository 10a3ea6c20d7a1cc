namespace BypassNet;

/// <summary>io_uring features BypassNet uses; each has a degraded path when missing.</summary>
[Flags]
public enum IoUringFeatures
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>Provided buffer rings; without them receives use single-shot RECV into pool buffers.</summary>
    BufferRings = 1 << 0,

    /// <summary>Multishot receive; without it receives are single-shot.</summary>
    MultishotReceive = 1 << 1,

    /// <summary>Multishot accept; without it accept is re-armed after every connection.</summary>
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
