using BypassNet.Interop;

namespace BypassNet.Ring;

/// <summary>How a <see cref="RingEventLoop"/> creates its ring.</summary>
internal sealed class RingLoopSettings
{
    public uint SubmissionEntries { get; init; } = 256;

    /// <summary>CQ size; 0 lets the kernel pick (twice the SQ).</summary>
    public uint CompletionEntries { get; init; }

    public uint SetupFlags { get; init; } = IoUringConstants.SetupSubmitAll;

    /// <summary>Run on the loop thread once the ring exists; registers buffers and adds <see cref="RingEventLoop.Attachments"/>.</summary>
    public Action<RingEventLoop>? OnStarted { get; init; }

    /// <summary>Run on the loop thread when the ring fails, after it was logged and before pending operations are failed (metrics).</summary>
    public Action<RingEventLoop, RingFailedException>? OnFailed { get; init; }
}
