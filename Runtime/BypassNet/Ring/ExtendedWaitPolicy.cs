namespace BypassNet.Ring;

/// <summary>
/// How a <see cref="RingEventLoop"/> sleeps: one io_uring_enter that submits and, when asked to wait, sleeps. Sends
/// usually complete during the submit (loopback, or any socket with room), and those completions alone would end a
/// wait for one: the batch would then cost a second enter just to sleep. So the wait asks for one completion beyond
/// the pending sends; the kernel's minimum wait bounds what that costs when a send did not complete at once (a sender
/// waiting for its own completion, with nothing else arriving): after it, whatever has arrived is returned. Off unless
/// <see cref="RingLoopSettings.InlineCompletionWaitMicroseconds"/> is set (see there for why).
/// </summary>
internal sealed class ExtendedWaitPolicy
{
    /// <summary>The overall bound of an extended wait that found nothing after its minimum wait.</summary>
    private const long IdleWaitTimeoutNanoseconds = 1_000_000_000;

    private readonly int _minimumWaitMicroseconds;
    private readonly RingStatistics _statistics;

    public ExtendedWaitPolicy(RingLoopSettings settings, RingStatistics statistics)
    {
        _minimumWaitMicroseconds = settings.InlineCompletionWaitMicroseconds;
        _statistics = statistics;
    }

    /// <summary>Submits what is pending and, when <paramref name="wait"/> is 1, sleeps (loop thread only). Returns the enter's result or -errno.</summary>
    public int SubmitAndWait(IoUring ring, uint wait)
    {
        int minimumWait = _minimumWaitMicroseconds;
        if (wait == 0 || minimumWait <= 0 || !ring.HasMinimumWait)
        {
            return ring.SubmitAndWait(wait);
        }

        uint sends = ring.PendingSends();
        if (sends == 0)
        {
            return ring.SubmitAndWait(wait);
        }

        _statistics.ExtendedWaits++;
        // The timeout only ends an idle sleep now and then (-ETIME, handled like a wake-up); posts still wake via the eventfd.
        return ring.SubmitAndWait(wait + sends, (uint)minimumWait, IdleWaitTimeoutNanoseconds);
    }
}
