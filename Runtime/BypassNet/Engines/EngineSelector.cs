using System.Text.RegularExpressions;
using BypassNet.Diagnostics;
using BypassNet.Engines.Uring;
using BypassNet.Engines.Managed;
using BypassNet.Interop;
using BypassNet.Ring;
using Microsoft.Extensions.Logging;

namespace BypassNet.Engines;

/// <summary>
/// Chooses the engine: the environment variable, then the options, then the kernel probe and <see cref="KernelPolicy"/>.
/// Every choice and degradation is logged and written to the "BypassNet" EventSource. io_uring asked for explicitly
/// (options or environment) fails with the reason instead of falling back.
/// </summary>
internal static class EngineSelector
{
    /// <summary>
    /// Fault injection for tests and drills: pretend io_uring_setup failed with this errno (ENOSYS, EPERM, ...),
    /// which the kernel will not produce on demand. Unset or 0 = no fault.
    /// </summary>
    internal const string SimulateSetupErrnoVariable = "BYPASSNET_SIMULATE_SETUP_ERRNO";

    private static int SimulatedSetupErrno =>
        int.TryParse(Environment.GetEnvironmentVariable(SimulateSetupErrnoVariable), out int errno) ? errno : 0;

    public static SocketEngine Create(BypassNetOptions options, ILogger logger, out string? fallbackReason, out IReadOnlyList<Degradation> degradations)
    {
        fallbackReason = null;
        degradations = [];
        (EngineKind requested, string source) = Requested(options, logger);
        if (requested == EngineKind.Socket)
        {
            Log.SocketEngineForced(logger, source);
            fallbackReason = $"forced by {source}";
            BypassNetEventSource.Log.EngineSelected(nameof(EngineKind.Socket), 0, RingProbe.KernelRelease(), fallbackReason);
            return new ManagedSocketEngine(options, logger);
        }

        Capabilities? capabilities = ProbeKernel(out string? reason);
        List<Degradation> degraded = [];
        if (capabilities is not null)
        {
            capabilities = KernelPolicy.Apply(capabilities, options.DisabledFeatures, out reason, out degraded);
        }

        if (capabilities is null)
        {
            fallbackReason = reason ?? "io_uring is unavailable";
            return FallBack(options, logger, requested, source, fallbackReason);
        }

        IoUringSocketEngine engine;
        try
        {
            engine = new IoUringSocketEngine(options, capabilities, logger);
        }
        catch (Exception ex) when (ex is IOException or OutOfMemoryException or InvalidOperationException)
        {
            fallbackReason = DescribeRingCreationFailure(ex);
            return FallBack(options, logger, requested, source, fallbackReason);
        }

        string? ringFailure = CheckRings(engine, options, degraded);
        if (ringFailure is not null)
        {
            engine.Dispose();
            fallbackReason = ringFailure;
            return FallBack(options, logger, requested, source, fallbackReason);
        }

        Log.IoUringSelected(logger, options.RingCount, capabilities);
        BypassNetEventSource.Log.EngineSelected(nameof(EngineKind.IoUring), options.RingCount, capabilities.KernelRelease, capabilities.Features.ToString());
        foreach (Degradation degradation in degraded)
        {
            Log.Degraded(logger, degradation.Feature, degradation.Reason);
            BypassNetEventSource.Log.Degraded(degradation.Feature, degradation.Reason);
        }

        degradations = degraded.AsReadOnly();
        return engine;
    }

    private static (EngineKind Requested, string Source) Requested(BypassNetOptions options, ILogger logger)
    {
        string? forced = Environment.GetEnvironmentVariable(BypassNetOptions.EngineEnvironmentVariable);
        if (string.IsNullOrWhiteSpace(forced))
        {
            return (options.Engine, $"BypassNetOptions.Engine = {options.Engine}");
        }

        switch (forced.Trim().ToLowerInvariant())
        {
            case "socket" or "sockets":
                return (EngineKind.Socket, $"{BypassNetOptions.EngineEnvironmentVariable}={forced.Trim()}");
            case "iouring" or "io_uring":
                return (EngineKind.IoUring, $"{BypassNetOptions.EngineEnvironmentVariable}={forced.Trim()}");
            case "auto":
                return (EngineKind.Auto, $"{BypassNetOptions.EngineEnvironmentVariable}=auto");
            default:
                logger.LogWarning("Ignoring {Variable}={Value}: expected socket, iouring or auto", BypassNetOptions.EngineEnvironmentVariable, forced);
                return (options.Engine, $"BypassNetOptions.Engine = {options.Engine}");
        }
    }

    private static Capabilities? ProbeKernel(out string? reason)
    {
        if (SimulatedSetupErrno != 0)
        {
            reason = RingProbe.DescribeSetupFailure(SimulatedSetupErrno) + $" (simulated by {SimulateSetupErrnoVariable})";
            return null;
        }

        return RingProbe.Probe(out reason);
    }

    /// <summary>The socket engine, or — when io_uring was asked for explicitly — an exception that names the reason.</summary>
    private static ManagedSocketEngine FallBack(BypassNetOptions options, ILogger logger, EngineKind requested, string source, string reason)
    {
        if (requested == EngineKind.IoUring)
        {
            BypassNetEventSource.Log.Fallback($"refused: {source} asks for io_uring: {reason}");
            throw new PlatformNotSupportedException($"{source} asks for io_uring, which cannot be used here: {reason}. Use EngineKind.Auto to fall back to System.Net.Sockets instead.");
        }

        Log.FallbackSelected(logger, reason);
        BypassNetEventSource.Log.Fallback(reason);
        return new ManagedSocketEngine(options, logger);
    }

    /// <summary>
    /// What the rings refused while registering memory: fixed buffers are optional (a degradation), the provided buffer
    /// ring is required (returns the fallback reason). Both name RLIMIT_MEMLOCK, the usual cause.
    /// </summary>
    private static string? CheckRings(IoUringSocketEngine engine, BypassNetOptions options, List<Degradation> degradations)
    {
        var noFixed = new List<int>();
        var noReceiveRing = new List<int>();
        foreach (RingContext ring in engine.Rings)
        {
            if (ring.FixedBuffers is null)
            {
                noFixed.Add(ring.Index);
            }

            if (ring.ReceiveRing is null)
            {
                noReceiveRing.Add(ring.Index);
            }
        }

        if (noReceiveRing.Count > 0)
        {
            return $"registering the provided buffer ring failed on ring(s) {string.Join(", ", noReceiveRing)} ({ProcessLimits.DescribeMemlock()}); BufferRings are required";
        }

        if (engine.Capabilities.FixedBuffers && noFixed.Count > 0)
        {
            string slab = ProcessLimits.FormatBytes(SlabBytes(options));
            degradations.Add(new Degradation(
                nameof(IoUringFeatures.FixedBuffers),
                $"registering the {slab} buffer slab (IORING_REGISTER_BUFFERS) failed on ring(s) {string.Join(", ", noFixed)}: {ProcessLimits.DescribeMemlock()} " +
                $"(raise it with ulimit -l or LimitMEMLOCK=, or grant CAP_IPC_LOCK); {KernelPolicy.Rule(IoUringFeatures.FixedBuffers).Without}"));
        }

        return null;
    }

    /// <summary>The bytes the engine registers as fixed buffer 0: the send pool and every ring's receive buffers (page-rounded).</summary>
    private static ulong SlabBytes(BypassNetOptions options)
    {
        ulong page = (ulong)Environment.SystemPageSize;
        ulong send = ((ulong)options.SendBufferSize + page - 1) / page * page * (ulong)options.SendBufferCount;
        ulong receive = ((ulong)options.ReceiveBufferSize + page - 1) / page * page * (ulong)options.ReceiveBuffersPerRing * (ulong)options.RingCount;
        return send + receive;
    }

    /// <summary>A ring that could not be created, with the cause named: memlock for ENOMEM, seccomp/sysctl for EPERM.</summary>
    private static string DescribeRingCreationFailure(Exception ex)
    {
        Match errno = Regex.Match(ex.Message, @"errno (\d+)");
        string cause = errno.Success && int.TryParse(errno.Groups[1].Value, out int code)
            ? code switch
            {
                Libc.ENOMEM => $": {ProcessLimits.DescribeMemlock()}, too small for the configured rings (raise it with ulimit -l, or grant CAP_IPC_LOCK)",
                Libc.EPERM => $": {RingProbe.DescribeSetupFailure(Libc.EPERM)}",
                _ => string.Empty,
            }
            : ex is OutOfMemoryException ? $": {ProcessLimits.DescribeMemlock()}" : string.Empty;
        return $"creating the rings failed: {ex.Message.TrimEnd('.')}{cause}";
    }
}
