using BypassNet.Interop;

namespace BypassNet.Ring;

/// <summary>
/// An IORING_OP_TIMEOUT that runs a callback on the ring thread after a fixed delay: a back-off that blocks no thread
/// and needs no descriptor (a timerfd would need one, which is exactly what is missing when it is used under EMFILE).
/// One delay at a time; submitting it while it runs does nothing.
/// </summary>
internal sealed class DelayOperation : RingOperation
{
    // The __kernel_timespec the kernel reads; on the pinned heap so its address stays valid while the SQE names it.
    private readonly long[] _timespec = GC.AllocateArray<long>(2, pinned: true);
    private readonly Action<RingEventLoop> _elapsed;
    private bool _fired;

    public DelayOperation(TimeSpan delay, Action<RingEventLoop> elapsed)
    {
        _timespec[0] = (long)delay.TotalSeconds;
        _timespec[1] = (delay.Ticks % TimeSpan.TicksPerSecond) * 100;
        _elapsed = elapsed;
    }

    internal override unsafe void Prepare(ref IoUringSqe sqe, ulong userData)
    {
        _fired = false;
        fixed (long* timespec = _timespec)
        {
            Sqe.Timeout(ref sqe, (nint)timespec, userData);
        }
    }

    internal override bool OnCompletion(RingEventLoop loop, int result, uint flags)
    {
        // -ETIME: the delay passed. -ECANCELED: the ring is stopping; nothing to resume.
        _fired = result == -Libc.ETIME;
        return true;
    }

    internal override void OnReleased(RingEventLoop loop)
    {
        if (_fired)
        {
            _elapsed(loop);
        }
    }
}
