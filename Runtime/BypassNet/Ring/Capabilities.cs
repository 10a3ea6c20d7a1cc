namespace BypassNet;

/// <summary>What the running kernel's io_uring offers BypassNet, found by probing (IORING_REGISTER_PROBE and trial registrations).</summary>
public sealed class Capabilities
{
    internal Capabilities(string kernelRelease, IoUringFeatures features, uint rawFeatures, uint setupFlags, IReadOnlyDictionary<IoUringFeatures, string>? details = null)
    {
        KernelRelease = kernelRelease;
        Features = features;
        RawFeatures = rawFeatures;
        SetupFlags = setupFlags;
        Details = details ?? new Dictionary<IoUringFeatures, string>();
    }

    /// <summary>The kernel release string (uname -r).</summary>
    public string KernelRelease { get; }

    /// <summary>The features BypassNet will use (after any <see cref="BypassNetOptions.DisabledFeatures"/> were removed).</summary>
    public IoUringFeatures Features { get; }

    /// <summary>The raw IORING_FEAT_* bits the kernel reported.</summary>
    public uint RawFeatures { get; }

    /// <summary>The IORING_SETUP_* flags rings are created with.</summary>
    public uint SetupFlags { get; }

    /// <summary>Provided buffer rings (IORING_REGISTER_PBUF_RING, Linux 5.19).</summary>
    public bool BufferRings => Has(IoUringFeatures.BufferRings);

    /// <summary>Multishot receive (IORING_RECV_MULTISHOT, Linux 6.0).</summary>
    public bool MultishotReceive => Has(IoUringFeatures.MultishotReceive);

    /// <summary>Multishot accept (IORING_ACCEPT_MULTISHOT, Linux 5.19).</summary>
    public bool MultishotAccept => Has(IoUringFeatures.MultishotAccept);

    /// <summary>Zero-copy send (IORING_OP_SEND_ZC, Linux 6.0).</summary>
    public bool SendZeroCopy => Has(IoUringFeatures.SendZeroCopy);

    /// <summary>Fixed (registered) buffers may be attempted; registration itself can still fail under RLIMIT_MEMLOCK.</summary>
    public bool FixedBuffers => Has(IoUringFeatures.FixedBuffers);

    /// <summary>The kernel never drops completions when the CQ is full (IORING_FEAT_NODROP).</summary>
    public bool NoDrop => Has(IoUringFeatures.NoDrop);

    /// <summary>Rings are single-issuer with deferred task running (IORING_SETUP_SINGLE_ISSUER | DEFER_TASKRUN).</summary>
    public bool DeferTaskrun => Has(IoUringFeatures.DeferTaskrun);

    /// <summary>ASYNC_CANCEL with IORING_ASYNC_CANCEL_FD, _ALL and _ANY (Linux 5.19).</summary>
    public bool CancelFlags => Has(IoUringFeatures.CancelFlags);

    /// <summary>IORING_SEND_ZC_REPORT_USAGE (Linux 6.2).</summary>
    public bool SendZeroCopyReportUsage => Has(IoUringFeatures.SendZeroCopyReportUsage);

    /// <summary>Incremental provided-buffer consumption (IOU_PBUF_RING_INC, Linux 6.12).</summary>
    public bool IncrementalBufferConsumption => Has(IoUringFeatures.IncrementalBufferConsumption);

    /// <summary>What the probe saw for each feature it found missing (the errno of the trial, for messages).</summary>
    internal IReadOnlyDictionary<IoUringFeatures, string> Details { get; }

    /// <summary>A copy with <paramref name="features"/> and <paramref name="setupFlags"/> in place of this one's.</summary>
    internal Capabilities With(IoUringFeatures features, uint setupFlags) => new(KernelRelease, features, RawFeatures, setupFlags, Details);

    /// <summary>True when every feature in <paramref name="features"/> is available.</summary>
    public bool Has(IoUringFeatures features) => (Features & features) == features;

    /// <inheritdoc />
    public override string ToString() => $"kernel {KernelRelease}: {Features}";
}
