using BypassNet.Interop;

namespace BypassNet.Ring;

/// <summary>How a <see cref="RingEventLoop"/> creates its ring.</summary>
internal sealed class RingLoopSettings
{
    public uint SubmissionEntries { get; init; } = 256;

    /// <summary>CQ size; 0 lets the kernel pick (twice the SQ).</summary>
    public uint CompletionEntries { get; init; }

    public uint SetupFlags { get; init; } = IoUringConstants.SetupSubmitAll;

    /// <summary>
    /// The kernel's minimum wait (µs) for an enter that submitted sends and asks for one completion beyond them; 0 (the
    /// default) waits for one completion as before. Off because on Linux 6.18 the extra batching it buys helps only some
    /// loads. Measured against the plain wait in interleaved echo runs: at 64 connections × 64 B, 50 µs took about 6%
    /// off the CPU per round trip; but it held back send completions that the next send waits for, so 4 × 64 KiB ran at
    /// 0.58–0.71× the round trips/s, 1,000 connections had twice the p99, and a single connection's ping-pong sat out
    /// the whole minimum wait (35% slower). Gating it on a busy ring, on small sends only, on a measured miss rate or on
    /// a 10 µs wait did not remove those costs without removing the gain.
    /// </summary>
    public int InlineCompletionWaitMicroseconds { get; init; }

    /// <summary>How long a quiet loop spins before it sleeps, in µs (<see cref="BusyPollPolicy"/>); 0 never spins.</summary>
    public int BusyPollMicroseconds { get; init; }

    /// <summary>Run on the loop thread once the ring exists; registers buffers and adds <see cref="RingEventLoop.Attachments"/>.</summary>
    public Action<RingEventLoop>? OnStarted { get; init; }

    /// <summary>Run on the loop thread when the ring fails, after it was logged and before pending operations are failed (metrics).</summary>
    public Action<RingEventLoop, RingFailedException>? OnFailed { get; init; }
}
