using BypassNet.Interop;
using BypassNet.Ring;
using BypassNet.Sockets;

namespace BypassNet.Engines.Uring;

/// <summary>
/// The multishot ACCEPT of a listening socket: one SQE, a completion per connection. New descriptors go to the
/// <see cref="UringAcceptor"/>, which queues them until the application takes them. Running out of descriptors
/// (EMFILE, ENFILE) is load, not failure: the accept backs off on a ring timeout and re-arms by itself, and the
/// application's pending accept simply waits; the connections wait in the kernel's backlog meanwhile.
/// </summary>
internal sealed class AcceptOperation : RingOperation
{
    private readonly UringConnection _connection;
    private readonly UringAcceptor _acceptor;
    private readonly DelayOperation _backoff;
    private bool _failed;
    private bool _exhausted;

    public AcceptOperation(UringConnection connection, UringAcceptor acceptor)
        : base(connection)
    {
        _connection = connection;
        _acceptor = acceptor;
        _backoff = new DelayOperation(SocketTransport.ExhaustedAcceptBackoff, loop => loop.Submit(this));
    }

    // Not while backing off: an AcceptAsync meanwhile must not bypass the delay and spin on EMFILE.
    internal override bool ReadyToSubmit(RingEventLoop loop) => !_acceptor.Paused && !_backoff.InFlight;

    internal override void Prepare(ref IoUringSqe sqe, ulong userData)
    {
        _failed = false;
        _exhausted = false;
        Sqe.Accept(ref sqe, _connection.Fd, multishot: true, userData);
    }

    internal override void OnRefused(RingEventLoop loop, SubmitRefusal reason)
    {
        if (reason == SubmitRefusal.Stopping)
        {
            _connection.OnRingStopped();
        }
    }

    internal override bool OnCompletion(RingEventLoop loop, int result, uint flags)
    {
        if (result >= 0)
        {
            _acceptor.OnAccepted(result);
        }
        else if (result == -Libc.EMFILE || result == -Libc.ENFILE)
        {
            _exhausted = true;
            _acceptor.OnDescriptorsExhausted(-result);
            if ((flags & IoUringConstants.CqeFMore) != 0)
            {
                // Should the kernel keep the multishot alive, end it: the back-off re-arms it.
                loop.Cancel(this);
            }
        }
        else if (result == -Libc.ECANCELED && loop.IsStopping)
        {
            _connection.OnRingStopped();
        }
        else if (result != -Libc.ECANCELED)
        {
            _failed = true;
            _acceptor.OnError(-result);
        }

        return (flags & IoUringConstants.CqeFMore) == 0;
    }

    /// <summary>The handler threw or the ring failed: the pending accept fails with <paramref name="error"/>; the next accept re-arms (on a live ring).</summary>
    internal override void OnFault(RingEventLoop loop, Exception error)
    {
        _failed = true;
        _acceptor.Fail(error);
    }

    internal override void OnReleased(RingEventLoop loop)
    {
        if (_exhausted)
        {
            // Out of descriptors: try again after the back-off (the loop refuses both once the listener closes).
            loop.Submit(_backoff);
            return;
        }

        // After any other error the next AcceptAsync re-arms, so a persistent error cannot spin the ring.
        if (!_failed)
        {
            loop.Submit(this);
        }
    }
}
