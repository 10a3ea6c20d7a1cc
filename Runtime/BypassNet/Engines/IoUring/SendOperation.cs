using System.Buffers;
using System.Threading.Tasks.Sources;
using BypassNet.Buffers;
using BypassNet.Diagnostics;
using BypassNet.Interop;
using BypassNet.Ring;
using BypassNet.Sockets;

namespace BypassNet.Engines.IoUring;

/// <summary>
/// One send in flight: an owned buffer (SEND, or SEND_ZC from the registered slab for large buffers) or pinned caller
/// memory (plain SEND). Short sends are resubmitted until every byte is out. The buffer goes back to its owner, and the
/// awaiting caller resumes, only after the last completion — for zero-copy that is the notification, after which the
/// kernel no longer reads the pages.
/// </summary>
internal sealed class SendOperation : RingOperation, IValueTaskSource<int>
{
    private static readonly Action<object?> s_cancel = static state =>
    {
        var operation = (SendOperation)state!;
        // Remembered, so a cancel that lands between two parts of a short send still ends the send.
        operation._cancelRequested = true;
        operation._transport.Ring.Loop.Post(operation, RingCommand.Cancel);
    };

    private readonly IoUringSocketTransport _transport;
    private ManualResetValueTaskSourceCore<int> _core;
    private BufferLease _lease;
    private MemoryHandle _pin;
    private nint _address;
    private int _total;
    private int _sent;
    private int _errno;
    private bool _zeroCopy;
    private bool _reusable;
    private bool _active;
    private volatile bool _cancelRequested;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;

    public SendOperation(IoUringSocketTransport transport) => _transport = transport;

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
            if (!_transport.TryBeginSend(this))
            {
                return;
            }

            _active = true;
        }

        if (_transport.IsClosing || _cancelRequested)
        {
            _errno = Libc.ECANCELED;
            Finish();
            return;
        }

        nint address = _address + _sent;
        uint length = (uint)(_total - _sent);
        ref IoUringSqe sqe = ref loop.Submit(this, out ulong userData);
        _zeroCopy = !_lease.IsEmpty && _transport.UseZeroCopy((int)length);
        if (_zeroCopy)
        {
            int fixedIndex = _transport.Ring.FixedBuffers is not null && _transport.Engine.SlabContains(address) ? RegisteredSlab.BufferIndex : -1;
            Sqe.SendZeroCopy(ref sqe, _transport.Fd, address, length, fixedIndex, userData);
        }
        else
        {
            Sqe.Send(ref sqe, _transport.Fd, address, length, userData);
        }

        _transport.OnSubmitted();
    }

    internal override bool OnCompletion(RingEventLoop loop, int result, uint flags)
    {
        if ((flags & IoUringConstants.CqeFNotif) != 0)
        {
            // The zero-copy notification: the kernel is done with the pages. It also says whether it copied after all.
            EngineStatistics statistics = _transport.Engine.Statistics;
            if (((uint)result & IoUringConstants.NotifUsageZcCopied) != 0)
            {
                statistics.Add(ref statistics.ZeroCopyCopied);
                _transport.OnZeroCopyCopied();
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
        if (command == RingCommand.Cancel && !InFlight && _transport.RemoveQueuedSend(this))
        {
            _errno = Libc.ECANCELED;
            Finish();
            return;
        }

        base.Execute(loop, command);
    }

    internal override void OnReleased(RingEventLoop loop)
    {
        _transport.OnReleased();
        if (_errno == 0 && _sent < _total)
        {
            // A short send: the rest goes out in a new request (which honours a cancel or close that came meanwhile).
            Start(loop);
            return;
        }

        Finish();
    }

    int IValueTaskSource<int>.GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            if (_reusable)
            {
                _transport.ReturnSendOperation(this);
            }
        }
    }

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private ValueTask<int> Begin(int length, CancellationToken cancellationToken)
    {
        _core.Reset();
        _core.RunContinuationsAsynchronously = _transport.RunContinuationsAsynchronously;
        _total = length;
        _sent = 0;
        _errno = 0;
        _token = cancellationToken;
        _reusable = true;
        _cancelRequested = false;
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(s_cancel, this);
        }

        short version = _core.Version;
        if (length == 0)
        {
            Finish();
        }
        else
        {
            _transport.Ring.Loop.Execute(this, RingCommand.Submit);
        }

        return new ValueTask<int>(this, version);
    }

    private void Finish()
    {
        if (_active)
        {
            // Before completing, so the next send is already on its way when the caller resumes.
            _active = false;
            _transport.EndSend(this, _transport.Ring.Loop);
        }

        if (!_registration.Unregister() && _token.CanBeCanceled && _token.IsCancellationRequested)
        {
            // The cancel callback may still post a Cancel for this object: never reuse it for another send.
            _reusable = false;
        }

        _registration = default;
        if (!_lease.IsEmpty)
        {
            _lease.Release();
            _lease = default;
        }

        _pin.Dispose();
        _pin = default;
        EngineStatistics statistics = _transport.Engine.Statistics;
        if (_errno == 0)
        {
            statistics.Add(ref statistics.Sends);
            statistics.Add(ref statistics.BytesSent, _sent);
            _core.SetResult(_sent);
        }
        else if (_errno == Libc.ECANCELED && _transport.IsClosing)
        {
            _core.SetException(_transport.Disposed("a send"));
        }
        else if (_errno == Libc.ECANCELED && _token.IsCancellationRequested)
        {
            _core.SetException(new OperationCanceledException(_token));
        }
        else
        {
            _core.SetException(SocketErrors.Exception(_errno));
        }
    }
}
