using BypassNet.Interop;
using BypassNet.Ring;

namespace BypassNet.Engines.Uring;

/// <summary>An awaited operation with exactly one completion (CONNECT, single-shot RECV): the result is delivered once the slot is released.</summary>
internal abstract class SingleShotOperation : CompletionSource
{
    private int _result;

    protected SingleShotOperation(IoUringSocketTransport transport)
        : base(transport)
    {
    }

    internal override bool OnCompletion(RingEventLoop loop, int result, uint flags)
    {
        _result = result;
        return true;
    }

    internal override void OnReleased(RingEventLoop loop)
    {
        Transport.OnReleased();
        Finish(_result);
    }

    public override void Reject(Exception reason) => Finish(-Libc.ECANCELED);

    /// <summary>Not submitted when the socket closes, the ring stops or the caller cancelled before it reached the ring.</summary>
    protected bool ShouldNotStart(RingEventLoop loop) => Transport.IsClosing || loop.IsStopping || CancelRequested;

    /// <summary>Completes the awaiter with the kernel's result (or -errno); runs exactly once.</summary>
    protected abstract void Finish(int result);
}
