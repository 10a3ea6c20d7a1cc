namespace BypassNet.Ring;

/// <summary>Why <see cref="RingEventLoop.Submit(RingOperation)"/> did not submit an operation.</summary>
internal enum SubmitRefusal
{
    /// <summary>The loop is stopping: nothing new enters the ring.</summary>
    Stopping,

    /// <summary>The operation's resident is closing.</summary>
    ResidentClosing,

    /// <summary>The caller cancelled before the operation reached the ring.</summary>
    Cancelled,
}
