using Microsoft.Extensions.Logging;

namespace BypassNet;

/// <summary>Settings of a <see cref="BypassRuntime"/>: engine choice, rings, buffer sizes, logging.</summary>
public sealed class BypassNetOptions
{
    /// <summary>The environment variable that forces an engine: <c>socket</c> or <c>iouring</c>. It wins over <see cref="Engine"/>.</summary>
    public const string EngineEnvironmentVariable = "BYPASSNET_ENGINE";

    /// <summary>Which engine to use; <see cref="EngineKind.Auto"/> (the default) picks io_uring when the kernel offers it.</summary>
    public EngineKind Engine { get; set; } = EngineKind.Auto;

    /// <summary>
    /// Number of rings, each with its own event-loop thread. Default: one per two processors, at least 1 and at most 16
    /// — the other half of the cores runs the application (and, on a small machine, its
    /// peers). On 2 cores one ring cost less CPU per round trip than two at 1,000 connections and about the same at 64.
    /// </summary>
    /// <remarks>
    /// Memory: the engine allocates one slab of <see cref="SendBufferSize"/> × <see cref="SendBufferCount"/> plus
    /// <see cref="ReceiveBufferSize"/> × <see cref="ReceiveBuffersPerRing"/> per ring (16 MiB + 8 MiB per ring by
    /// default: 24 MiB on 2 cores, 144 MiB at the cap) and registers all of it with every ring, so that any buffer can
    /// be sent from any ring. Registration pins the pages and the kernel charges RLIMIT_MEMLOCK once per ring (a
    /// privileged process or CAP_IPC_LOCK is not limited); under a smaller limit registration is refused, logged once,
    /// and everything still works unregistered. Set <see cref="RingCount"/> and the buffer counts to budget it.
    /// </remarks>
    public int RingCount { get; set; } = Math.Clamp(Environment.ProcessorCount / 2, 1, MaxDefaultRingCount);

    // The largest ring count chosen by default (more can be asked for): bounds threads and registered slab on big machines.
    private const int MaxDefaultRingCount = 16;

    /// <summary>Submission queue entries per ring (a power of two). The completion queue gets four times as many.</summary>
    public int SubmissionQueueEntries { get; set; } = 512;

    /// <summary>Bytes per receive buffer (rounded up to the page size).</summary>
    public int ReceiveBufferSize { get; set; } = 16 * 1024;

    /// <summary>Receive buffers per ring (a power of two): the provided buffer ring's size.</summary>
    public int ReceiveBuffersPerRing { get; set; } = 512;

    /// <summary>Bytes per buffer of <see cref="BypassRuntime.Buffers"/> (rounded up to the page size).</summary>
    public int SendBufferSize { get; set; } = 64 * 1024;

    /// <summary>Buffers in <see cref="BypassRuntime.Buffers"/>.</summary>
    public int SendBufferCount { get; set; } = 256;

    /// <summary>Owned sends of at least this many bytes go out with SEND_ZC (when the kernel has it and does not copy anyway). Default 16 KiB, so a full received buffer can be forwarded zero-copy.</summary>
    public int ZeroCopyThreshold { get; set; } = 16 * 1024;

    /// <summary>
    /// Run await continuations of socket operations directly on the ring thread. Fastest (no thread hop, batched
    /// submissions), but code after an <c>await</c> then runs on the ring: it must not block. Off by default.
    /// </summary>
    public bool InlineContinuations { get; set; }

    /// <summary>
    /// How long, in microseconds, a quiet ring thread with nothing to do watches for new work before it sleeps in the
    /// kernel. Default 50; 0 never spins. A ring spins only while it is quiet (about one receive and one send per
    /// wake-up, as with a connection or two in request/response) and its recent idle gaps were short, so a busy ring
    /// keeps batching and an idle server does not spin at all. A sleep and wake-up per request cost more than the spin:
    /// on the 2-core test machine one echo connection ran at 3 times the round trips per second, with less CPU per
    /// round trip and a lower p99. Never spins on a single-CPU machine (the spinner would only delay the thread that
    /// produces its work). Set 0 where a core must not be kept busy for that long after each request.
    /// </summary>
    public int BusyPollMicroseconds { get; set; } = 50;

    /// <summary>
    /// io_uring features to pretend are missing, to exercise degraded paths (tests, or to work around a kernel bug).
    /// Disabling a required one (buffer rings, multishot receive, multishot accept) selects the socket engine.
    /// </summary>
    public IoUringFeatures DisabledFeatures { get; set; }

    /// <summary>The environment variable that turns on <see cref="PoisonBuffers"/> for every runtime and pool: <c>1</c>.</summary>
    public const string PoisonEnvironmentVariable = Buffers.BufferPoison.EnvironmentVariable;

    /// <summary>
    /// Diagnostic mode: fill every buffer slot with a poison pattern when it returns to its pool or receive ring, and
    /// check the pattern when the slot is reused, so a write through a stale pointer or span after the buffer was
    /// disposed or handed off is reported (<see cref="BufferCorruptionException"/>, log event 303) instead of corrupting
    /// the next owner's data. Costs a fill and a scan per buffer; off by default. Also on when
    /// <see cref="PoisonEnvironmentVariable"/> is <c>1</c>.
    /// </summary>
    public bool PoisonBuffers { get; set; }

    /// <summary>Where engine choice and degradations are logged. Default: no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary><see cref="PoisonBuffers"/> or the environment variable.</summary>
    internal bool PoisonEnabled => PoisonBuffers || Buffers.BufferPoison.EnabledByEnvironment;

    internal BypassNetOptions Clone() => (BypassNetOptions)MemberwiseClone();

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(RingCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SubmissionQueueEntries);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ReceiveBufferSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SendBufferSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SendBufferCount);
        ArgumentOutOfRangeException.ThrowIfNegative(ZeroCopyThreshold);
        ArgumentOutOfRangeException.ThrowIfNegative(BusyPollMicroseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BusyPollMicroseconds, 10_000);
        if (ReceiveBuffersPerRing <= 0 || (ReceiveBuffersPerRing & (ReceiveBuffersPerRing - 1)) != 0 || ReceiveBuffersPerRing > 32768)
        {
            throw new ArgumentOutOfRangeException(nameof(ReceiveBuffersPerRing), ReceiveBuffersPerRing, "Must be a power of two up to 32768.");
        }
    }
}
