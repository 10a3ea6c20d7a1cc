using System.Buffers;
using BypassNet.Buffers;
using BypassNet.Interop;
using BypassNet.Ring;

namespace BypassNet.Engines.Uring;

/// <summary>
/// One send in flight: an owned buffer (SEND, or SEND_ZC from the registered slab for large buffers) or pinned caller
/// memory (plain SEND). Short sends are resubmitted until every byte is out. The buffer goes back to its owner, and the
/// awaiting caller resumes, only after the last completion — for zero-copy that is the notification, after which the
/// kernel no longer reads the pages.
/// </summary>
internal sealed class SendOperation : CompletionSource
{
    private readonly UringSender _sender;
    private BufferLease _lease;
    private MemoryHandle _pin;
    private nint _address;
    private int _total;
    private int _sent;
    private int _errno;
    private bool _active;
    private bool _continuesDirect;
    private bool _counted;

    public SendOperation(UringConnection connection, UringSender sender)
        : base(connection) => _sender = sender;

    /// <summary>
    /// Sends an owned buffer; the lease is released after the final completion. <paramref name="alreadySent"/> bytes
    /// went out directly; with <paramref name="continuesDirect"/> this send holds the turn that direct send claimed.
    /// </summary>
    public ValueTask<int> Send(in BufferLease lease, int alreadySent, bool continuesDirect, CancellationToken cancellationToken)
    {
        _lease = lease;
        _address = lease.Address;
        return Begin(lease.Length, alreadySent, continuesDirect, cancellationToken);
    }

    /// <summary>Sends caller memory, pinned until the final completion (see the owned overload for the direct part).</summary>
    public unsafe ValueTask<int> Send(ReadOnlyMemory<byte> buffer, int alreadySent, bool continuesDirect, CancellationToken cancellationToken)
    {
        _lease = default;
        _pin = buffer.Pin();
        _address = (nint)_pin.Pointer;
        return Begin(buffer.Length, alreadySent, continuesDirect, cancellationToken);
    }

    /// <summary>True once, for the rest of a direct send when it reaches the ring: it becomes the active send at once.</summary>
    internal bool TakeDirectTurn()
    {
        bool take = _continuesDirect;
        _continuesDirect = false;
        return take;
    }

    /// <summary>Queued behind the socket's active send unless it is this one's turn; the sender submits it again then.</summary>
    internal override bool ReadyToSubmit(RingEventLoop loop)
    {
        if (!_active)
        {
            if (!_sender.TryBeginSend(this))
            {
                return false;
            }

            _active = true;
        }

        return true;
    }

    internal override void Prepare(ref IoUringSqe sqe, ulong userData)
    {
        nint address = _address + _sent;
        uint length = (uint)(_total - _sent);
        if (!_lease.IsEmpty && _sender.UseZeroCopy((int)length))
        {
            int fixedIndex = Connection.Ring.FixedBuffers is not null && Connection.Engine.SlabContains(address) ? RegisteredSlab.BufferIndex : -1;
            Sqe.SendZeroCopy(ref sqe, Connection.Fd, address, length, fixedIndex, userData);
        }
        else
        {
            Sqe.Send(ref sqe, Connection.Fd, address, length, userData);
        }
    }

    internal override void OnRefused(RingEventLoop loop, SubmitRefusal reason)
    {
        _errno = Libc.ECANCELED;
        Finish();
    }

    internal override bool OnCompletion(RingEventLoop loop, int result, uint flags)
    {
        if ((flags & IoUringConstants.CqeFNotif) != 0)
        {
            // The zero-copy notification: the kernel is done with the pages. It also says whether it copied after all.
            _sender.OnZeroCopyNotification(((uint)result & IoUringConstants.NotifUsageZcCopied) != 0);
            return true;
        }

        if (result < 0)
        {
            _errno = -result;
        }
        else
        {
            _sent += result;
        }

        return (flags & IoUringConstants.CqeFMore) == 0;
    }

    /// <summary>A cancel of a send still queued behind another completes it now instead of at its turn.</summary>
    internal override void Execute(RingEventLoop loop, RingCommand command)
    {
        if (command == RingCommand.Cancel && !InFlight && _sender.RemoveQueuedSend(this))
        {
            _errno = Libc.ECANCELED;
            Finish();
            return;
        }

        base.Execute(loop, command);
    }

    internal override void OnReleased(RingEventLoop loop)
    {
        if (_errno == 0 && _sent < _total)
        {
            // A short send: the rest goes out in a new request (which the loop refuses after a cancel or close).
            loop.Submit(this);
            return;
        }

        Finish();
    }

    /// <summary>
    /// The awaiter fails now. The lease and pin stay until the final completion (never, if the ring failed); after a
    /// ring failure the sends queued behind this one are refused in turn, so none of them waits forever.
    /// </summary>
    internal override void OnFault(RingEventLoop loop, Exception error)
    {
        if (_errno == 0)
        {
            _errno = Libc.ECANCELED;
        }

        base.OnFault(loop, error);
        if (loop.Failure is not null && _active)
        {
            _active = false;
            _sender.EndSend(this, loop);
        }
    }

    public override void Reject()
    {
        _errno = Libc.ECANCELED;
        Finish();
    }

    public override int GetResult(short token)
    {
        try
        {
            return base.GetResult(token);
        }
        finally
        {
            if (Reusable)
            {
                _sender.Return(this);
            }
        }
    }

    private ValueTask<int> Begin(int length, int alreadySent, bool continuesDirect, CancellationToken cancellationToken)
    {
        _total = length;
        _sent = alreadySent;
        _errno = 0;
        _continuesDirect = continuesDirect;
        _counted = true;
        if (!continuesDirect)
        {
            // The rest of a direct send is counted already (by its claim).
            _sender.OnSendBegun();
        }

        short version = Begin(cancellationToken, Connection.RunContinuationsAsynchronously);
        if (length == 0)
        {
            Finish();
        }
        else
        {
            Connection.Loop.Execute(this, RingCommand.Submit);
        }

        return new ValueTask<int>(this, version);
    }

    private void Finish()
    {
        if (_active)
        {
            // Before completing, so the next send is already on its way when the caller resumes.
            _active = false;
            _sender.EndSend(this, Connection.Loop);
        }
        else if (TakeDirectTurn())
        {
            _sender.AbandonDirectTurn(Connection.Loop);
        }

        if (_counted)
        {
            _counted = false;
            _sender.OnSendFinished();
        }

        EndCancellation();
        if (!_lease.IsEmpty)
        {
            _lease.Release();
            _lease = default;
        }

        _pin.Dispose();
        _pin = default;
        if (_errno == 0)
        {
            Connection.RecordSend(_sent);
            SetResult(_sent);
        }
        else
        {
            SetError(_errno, "a send");
        }
    }
}
