using BypassNet.Interop;

namespace BypassNet.Engines;

/// <summary>
/// Which kernel features the io_uring engine needs, and what it does without each (the README's kernel table says the
/// same). io_uring is chosen only when every required feature is there, so close and dispose are always correct.
/// </summary>
internal static class KernelPolicy
{
    private const string Fallback = "socket engine";

    /// <summary>Every feature, required ones first, in the order they are checked.</summary>
    public static IReadOnlyList<FeatureRule> Rules { get; } =
    [
        new(IoUringFeatures.NoDrop, "IORING_FEAT_NODROP", "5.5", FeatureNeed.Required, $"{Fallback}: completions could be lost on CQ overflow"),
        new(IoUringFeatures.OpcodeProbe, "IORING_REGISTER_PROBE", "5.6", FeatureNeed.Required, $"{Fallback}: no opcode could be checked"),
        new(IoUringFeatures.SocketOpcodes, "SEND, RECV, ACCEPT, CONNECT, ASYNC_CANCEL, READ", "5.6", FeatureNeed.Required, Fallback),
        new(IoUringFeatures.CancelFlags, "ASYNC_CANCEL with IORING_ASYNC_CANCEL_FD | _ALL | _ANY", "5.19", FeatureNeed.Required,
            $"{Fallback}: closing a socket or a runtime could not cancel every operation in flight"),
        new(IoUringFeatures.BufferRings, "IORING_REGISTER_PBUF_RING", "5.19", FeatureNeed.Required, $"{Fallback}: receives land in provided buffer rings"),
        new(IoUringFeatures.MultishotAccept, "IORING_ACCEPT_MULTISHOT", "5.19", FeatureNeed.Required, Fallback),
        new(IoUringFeatures.MultishotReceive, "IORING_RECV_MULTISHOT", "6.0", FeatureNeed.Required, Fallback),
        new(IoUringFeatures.SendZeroCopy, "IORING_OP_SEND_ZC", "6.0", FeatureNeed.Optional, "large owned sends use plain SEND (the kernel copies them)"),
        new(IoUringFeatures.SendZeroCopyReportUsage, "IORING_SEND_ZC_REPORT_USAGE", "6.2 (6.1.y)", FeatureNeed.Optional,
            "SEND_ZC is not used (plain SEND), since a zero-copy send the kernel copied anyway could not be recognised"),
        new(IoUringFeatures.FixedBuffers, "IORING_REGISTER_BUFFERS", "5.1", FeatureNeed.Optional,
            "sends name plain addresses; zero-copy sends pin their pages per request"),
        new(IoUringFeatures.DeferTaskrun, "IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN", "6.1", FeatureNeed.Optional,
            "rings use IORING_SETUP_COOP_TASKRUN (or no task-run flags before 5.19): more interrupts, smaller batches"),
        new(IoUringFeatures.IncrementalBufferConsumption, "IOU_PBUF_RING_INC", "6.12", FeatureNeed.Unused,
            "nothing changes: each receive consumes a whole buffer either way"),
    ];

    /// <summary>The rule of <paramref name="feature"/>.</summary>
    public static FeatureRule Rule(IoUringFeatures feature) => Rules.First(r => r.Feature == feature);

    /// <summary>
    /// Applies the policy to what the kernel offers minus what the options disable. Returns the capabilities the engine
    /// may use, or null with <paramref name="fallbackReason"/> naming every missing required feature.
    /// </summary>
    public static Capabilities? Apply(Capabilities probed, IoUringFeatures disabled, out string? fallbackReason, out List<Degradation> degradations)
    {
        degradations = new List<Degradation>();
        IoUringFeatures usable = probed.Features & ~disabled;
        var missing = new List<string>();
        foreach (FeatureRule rule in Rules)
        {
            if ((usable & rule.Feature) != 0)
            {
                continue;
            }

            string why = WhyMissing(probed, disabled, rule);
            if (rule.Need == FeatureNeed.Required)
            {
                missing.Add($"{rule.Feature} ({rule.What}, Linux {rule.Kernel}): {why}");
            }
            else if (rule.Need == FeatureNeed.Optional)
            {
                degradations.Add(new Degradation(rule.Feature.ToString(), $"{why}; {rule.Without}"));
            }
        }

        if (missing.Count > 0)
        {
            fallbackReason = $"io_uring on kernel {probed.KernelRelease} lacks what correct operation needs: {string.Join("; ", missing)}";
            return null;
        }

        fallbackReason = null;
        // SEND_ZC is issued with usage reports only: without them it is not used at all.
        if ((usable & IoUringFeatures.SendZeroCopyReportUsage) == 0)
        {
            usable &= ~IoUringFeatures.SendZeroCopy;
        }

        uint setupFlags = probed.SetupFlags;
        if ((usable & IoUringFeatures.DeferTaskrun) == 0 && (setupFlags & IoUringConstants.SetupDeferTaskrun) != 0)
        {
            // Disabled by the options on a kernel that has it: cooperative task running (5.19) is certainly there.
            setupFlags = (setupFlags & ~(IoUringConstants.SetupDeferTaskrun | IoUringConstants.SetupSingleIssuer)) | IoUringConstants.SetupCoopTaskrun;
        }

        return probed.With(usable, setupFlags);
    }

    private static string WhyMissing(Capabilities probed, IoUringFeatures disabled, FeatureRule rule)
    {
        if ((disabled & rule.Feature) != 0 && probed.Has(rule.Feature))
        {
            return $"disabled by BypassNetOptions.DisabledFeatures";
        }

        string seen = probed.Details.TryGetValue(rule.Feature, out string? detail) ? $" ({detail})" : string.Empty;
        return $"kernel {probed.KernelRelease} lacks it{seen}";
    }
}
