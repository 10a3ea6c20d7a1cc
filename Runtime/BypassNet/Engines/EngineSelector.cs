using BypassNet.Diagnostics;
using BypassNet.Engines.Uring;
using BypassNet.Engines.Managed;
using BypassNet.Ring;
using Microsoft.Extensions.Logging;

namespace BypassNet.Engines;

/// <summary>Chooses the engine: the environment variable, then the options, then the kernel probe. Every choice is logged.</summary>
internal static class EngineSelector
{
    /// <summary>
    /// Fault injection for tests and drills: pretend io_uring_setup failed with this errno (ENOSYS, EPERM, ...),
    /// which the kernel will not produce on demand. Unset or 0 = no fault.
    /// </summary>
    internal const string SimulateSetupErrnoVariable = "BYPASSNET_SIMULATE_SETUP_ERRNO";

    /// <summary>Features the io_uring engine cannot run without; lacking one (or disabling it) selects the socket engine.</summary>
    internal const IoUringFeatures RequiredFeatures = IoUringFeatures.BufferRings | IoUringFeatures.MultishotReceive | IoUringFeatures.MultishotAccept;

    private static int SimulatedSetupErrno =>
        int.TryParse(Environment.GetEnvironmentVariable(SimulateSetupErrnoVariable), out int errno) ? errno : 0;

    public static SocketEngine Create(BypassNetOptions options, ILogger logger, out string? fallbackReason)
    {
        fallbackReason = null;
        EngineKind requested = options.Engine;
        string source = "BypassNetOptions.Engine";
        string? forced = Environment.GetEnvironmentVariable(BypassNetOptions.EngineEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(forced))
        {
            switch (forced.Trim().ToLowerInvariant())
            {
                case "socket" or "sockets":
                    requested = EngineKind.Socket;
                    source = BypassNetOptions.EngineEnvironmentVariable;
                    break;
                case "iouring" or "io_uring":
                    requested = EngineKind.IoUring;
                    source = BypassNetOptions.EngineEnvironmentVariable;
                    break;
                case "auto":
                    requested = EngineKind.Auto;
                    break;
                default:
                    logger.LogWarning("Ignoring {Variable}={Value}: expected socket, iouring or auto", BypassNetOptions.EngineEnvironmentVariable, forced);
                    break;
            }
        }

        if (requested == EngineKind.Socket)
        {
            Log.SocketEngineForced(logger, source);
            fallbackReason = $"forced by {source}";
            return new ManagedSocketEngine(options, logger);
        }

        string? reason;
        Capabilities? capabilities;
        if (SimulatedSetupErrno != 0)
        {
            capabilities = null;
            reason = RingProbe.DescribeSetupFailure(SimulatedSetupErrno, string.Empty) + $" (simulated by {SimulateSetupErrnoVariable})";
        }
        else
        {
            capabilities = RingProbe.Probe(out reason);
        }

        if (capabilities is not null && !capabilities.NoDrop)
        {
            reason = $"kernel {capabilities.KernelRelease} lacks IORING_FEAT_NODROP, so completions could be lost";
            capabilities = null;
        }

        if (capabilities is null)
        {
            fallbackReason = reason ?? "io_uring is unavailable";
            Log.FallbackSelected(logger, fallbackReason);
            return new ManagedSocketEngine(options, logger);
        }

        IoUringFeatures wanted = RequiredFeatures | IoUringFeatures.SendZeroCopy | IoUringFeatures.FixedBuffers;
        IoUringFeatures usable = capabilities.Features & ~options.DisabledFeatures;
        if ((usable & RequiredFeatures) != RequiredFeatures)
        {
            // The io_uring engine has one receive path (multishot into buffer rings) and one accept path (multishot).
            IoUringFeatures missing = RequiredFeatures & ~usable;
            string how = (missing & options.DisabledFeatures) == missing ? "disabled by BypassNetOptions.DisabledFeatures" : $"missing on kernel {capabilities.KernelRelease}";
            fallbackReason = $"io_uring feature {missing} is required and {how}";
            Log.FallbackSelected(logger, fallbackReason);
            return new ManagedSocketEngine(options, logger);
        }

        capabilities = new Capabilities(capabilities.KernelRelease, usable, capabilities.RawFeatures, capabilities.SetupFlags);
        if ((usable & wanted) != wanted)
        {
            Log.FeaturesDegraded(logger, wanted & ~usable);
        }

        try
        {
            var engine = new IoUringSocketEngine(options, capabilities, logger);
            Log.IoUringSelected(logger, options.RingCount, capabilities);
            return engine;
        }
        catch (Exception ex) when (ex is IOException or OutOfMemoryException or InvalidOperationException)
        {
            fallbackReason = $"creating the rings failed: {ex.Message}";
            Log.FallbackSelected(logger, fallbackReason);
            return new ManagedSocketEngine(options, logger);
        }
    }
}
