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
    /// default) waits for one completion as before. Off because on Linux 6.18 a short minimum wait (or a short timeout)
    /// is waited out in full even when the completions asked for arrive earlier (50 µs doubled the 1-connection echo
    /// latency), while a long one stalls a sender that waits for its own send with nothing else arriving.
    /// </summary>
    public int InlineCompletionWaitMicroseconds { get; init; }

    /// <summary>Run on the loop thread once the ring exists; registers buffers and adds <see cref="RingEventLoop.Attachments"/>.</summary>
    public Action<RingEventLoop>? OnStarted { get; init; }

    /// <summary>Run on the loop thread when the ring fails, after it was logged and before pending operations are failed (metrics).</summary>
    public Action<RingEventLoop, RingFailedException>? OnFailed { get; init; }
}
