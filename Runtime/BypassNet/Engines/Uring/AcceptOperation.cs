using BypassNet.Interop;
using BypassNet.Ring;

namespace BypassNet.Engines.Uring;

/// <summary>
/// Accept on a listening socket: multishot where the kernel has it (one SQE, a completion per connection), otherwise
/// re-armed for each AcceptAsync. New descriptors are queued on the transport until the application takes them.
/// </summary>
internal sealed class AcceptOperation : RingOperation
{
    private readonly IoUringSocketTransport _transport;
    private readonly bool _multishot;
    private bool _failed;

    public AcceptOperation(IoUringSocketTransport transport, bool multishot)
    {
        _transport = transport;
        _multishot = multishot;
    }

    internal override void Start(RingEventLoop loop)
    {
        if (InFlight || _transport.IsClosing || _transport.AcceptPaused)
        {
            return;
        }

        if (loop.IsStopping)
        {
            _transport.OnRingStopped();
            return;
        }

        _failed = false;
        ref IoUringSqe sqe = ref loop.Submit(this, out ulong userData);
        Sqe.Accept(ref sqe, _transport.Fd, _multishot, userData);
        _transport.OnSubmitted();
    }

    internal override bool OnCompletion(RingEventLoop loop, int result, uint flags)
    {
        if (result >= 0)
        {
            _transport.OnAccepted(result);
        }
        else if (result == -Libc.ECANCELED && loop.IsStopping)
        {
            _transport.OnRingStopped();
        }
        else if (result != -Libc.ECANCELED)
        {
            _failed = true;
            _transport.OnAcceptError(-result);
        }

        return (flags & IoUringConstants.CqeFMore) == 0;
    }

    internal override void OnReleased(RingEventLoop loop)
    {
        _transport.OnReleased();
        // After an error (EMFILE, ...) the next AcceptAsync re-arms, so a persistent error cannot spin the ring.
        if (!_failed && (_multishot || _transport.AcceptWaiting))
        {
            Start(loop);
        }
    }
}
