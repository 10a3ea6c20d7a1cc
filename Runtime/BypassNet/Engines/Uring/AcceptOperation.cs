using BypassNet.Interop;
using BypassNet.Ring;

namespace BypassNet.Engines.Uring;

/// <summary>
/// The multishot ACCEPT of a listening socket: one SQE, a completion per connection. New descriptors go to the
/// <see cref="UringAcceptor"/>, which queues them until the application takes them.
/// </summary>
internal sealed class AcceptOperation : RingOperation
{
    private readonly UringConnection _connection;
    private readonly UringAcceptor _acceptor;
    private bool _failed;

    public AcceptOperation(UringConnection connection, UringAcceptor acceptor)
        : base(connection)
    {
        _connection = connection;
        _acceptor = acceptor;
    }

    internal override bool ReadyToSubmit(RingEventLoop loop) => !_acceptor.Paused;

    internal override void Prepare(ref IoUringSqe sqe, ulong userData)
    {
        _failed = false;
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
        // After an error (EMFILE, ...) the next AcceptAsync re-arms, so a persistent error cannot spin the ring.
        if (!_failed)
        {
            loop.Submit(this);
        }
    }
}
