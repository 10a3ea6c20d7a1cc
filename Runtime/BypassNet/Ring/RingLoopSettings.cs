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
    /// How long an enter that submitted sends waits for one more completion than those sends (which usually complete
    /// during the submit) before returning with what it has; 0 turns the extended wait off.
    /// </summary>
    public int InlineCompletionWaitMicroseconds { get; init; } = 50;

    /// <summary>Run on the loop thread once the ring exists; registers buffers and adds <see cref="RingEventLoop.Attachments"/>.</summary>
    public Action<RingEventLoop>? OnStarted { get; init; }
}
