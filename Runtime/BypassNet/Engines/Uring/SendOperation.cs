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
    private BufferLease _lease;
    private MemoryHandle _pin;
    private nint _address;
    private int _total;
    private int _sent;
    private int _errno;
    private bool _zeroCopy;
    private bool _active;

    public SendOperation(IoUringSocketTransport transport)
        : base(transport)
    {
    }

    /// <summary>Sends an owned buffer; the lease is released after the final completion.</summary>
    public ValueTask<int> Send(in BufferLease lease, CancellationToken cancellationToken)
    {
        _lease = lease;
        _address = lease.Address;
        return Begin(lease.Length, cancellationToken);
    }

    /// <summary>Sends caller memory, pinned until the final completion.</summary>
    public unsafe ValueTask<int> Send(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        _lease = default;
        _pin = buffer.Pin();
        _address = (nint)_pin.Pointer;
        return Begin(buffer.Length, cancellationToken);
    }

    internal override void Start(RingEventLoop loop)
    {
        // Queued behind the socket's active send unless it is this one's turn; EndSend starts it again then.
        if (!_active)
        {
            if (!Transport.TryBeginSend(this))
            {
                return;
            }

            _active = true;
        }

        if (Transport.IsClosing || CancelRequested || loop.IsStopping)
        {
            _errno = Libc.ECANCELED;
            Finish();
            return;
        }

        nint address = _address + _sent;
        uint length = (uint)(_total - _sent);
        ref IoUringSqe sqe = ref loop.Submit(this, out ulong userData);
        _zeroCopy = !_lease.IsEmpty && Transport.UseZeroCopy((int)length);
        if (_zeroCopy)
        {
            int fixedIndex = Transport.Ring.FixedBuffers is not null && Transport.Engine.SlabContains(address) ? RegisteredSlab.BufferIndex : -1;
            Sqe.SendZeroCopy(ref sqe, Transport.Fd, address, length, fixedIndex, userData);
        }
        else
        {
            Sqe.Send(ref sqe, Transport.Fd, address, length, userData);
        }

        Transport.OnSubmitted();
    }

    internal override bool OnCompletion(RingEventLoop loop, int result, uint flags)
    {
        if ((flags & IoUringConstants.CqeFNotif) != 0)
        {
            // The zero-copy notification: the kernel is done with the pages. It also says whether it copied after all.
            EngineStatistics statistics = Transport.Engine.Statistics;
            if (((uint)result & IoUringConstants.NotifUsageZcCopied) != 0)
            {
                statistics.Add(ref statistics.ZeroCopyCopied);
                Transport.OnZeroCopyCopied();
            }
            else
            {
                statistics.Add(ref statistics.ZeroCopySends);
            }

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
        if (command == RingCommand.Cancel && !InFlight && Transport.RemoveQueuedSend(this))
        {
            _errno = Libc.ECANCELED;
            Finish();
            return;
        }

        base.Execute(loop, command);
    }

    internal override void OnReleased(RingEventLoop loop)
    {
        Transport.OnReleased();
        if (_errno == 0 && _sent < _total)
        {
            // A short send: the rest goes out in a new request (which honours a cancel or close that came meanwhile).
            Start(loop);
            return;
        }

        Finish();
    }

    public override void Reject(Exception reason)
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
                Transport.ReturnSendOperation(this);
            }
        }
    }

    private ValueTask<int> Begin(int length, CancellationToken cancellationToken)
    {
        _total = length;
        _sent = 0;
        _errno = 0;
        short version = Begin(cancellationToken, Transport.RunContinuationsAsynchronously);
        if (length == 0)
        {
            Finish();
        }
        else
        {
            Transport.Ring.Loop.Execute(this, RingCommand.Submit);
        }

        return new ValueTask<int>(this, version);
    }

    private void Finish()
    {
        if (_active)
        {
            // Before completing, so the next send is already on its way when the caller resumes.
            _active = false;
            Transport.EndSend(this, Transport.Ring.Loop);
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
            EngineStatistics statistics = Transport.Engine.Statistics;
            statistics.Add(ref statistics.Sends);
            statistics.Add(ref statistics.BytesSent, _sent);
            SetResult(_sent);
        }
        else
        {
            SetError(_errno, "a send");
        }
    }
}
