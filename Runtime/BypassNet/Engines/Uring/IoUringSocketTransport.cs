using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using BypassNet.Interop;
using BypassNet.Ring;
using BypassNet.Sockets;

namespace BypassNet.Engines.Uring;

/// <summary>
/// The io_uring data plane of one socket. Lifecycle: operations are submitted on the socket's ring; closing cancels
/// them all and the descriptor is closed only after the last final completion, so a descriptor number can never be
/// reused while an SQE still names it, and no buffer is released while the kernel may touch it.
/// </summary>
internal sealed partial class IoUringSocketTransport : SocketTransport
{
    private readonly IoUringSocketEngine _engine;
    private readonly RingContext _ring;
    private readonly object _gate = new();
    private readonly CloseWork _closeWork;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _fd;
    private volatile bool _closing;
    private volatile bool _connected;
    private int _inFlight;
    private int _finished;
    private int _closeStarted;

    public IoUringSocketTransport(IoUringSocketEngine engine, RingContext ring, Socket socket, bool connected)
        : base(socket)
    {
        _engine = engine;
        _ring = ring;
        _fd = (int)socket.Handle;
        _closeWork = new CloseWork(this);
        _recvOp = new MultishotReceiveOperation(this);
        _multishot = ring.ReceiveRing is not null && engine.Capabilities.MultishotReceive;
        _connected = connected;
        if (connected)
        {
            StartReceiving();
        }
    }

    public override bool Connected => _connected && !_closing;

    public override int Available
    {
        get
        {
            ThrowIfUnusable();
            return Socket.Available + Volatile.Read(ref _queuedBytes);
        }
    }

    internal int Fd => _fd;

    /// <summary>True once the socket is closing or its ring is stopping: nothing may be (re)submitted any more.</summary>
    internal bool IsClosing => _closing || _ring.Loop.IsStopping;

    internal RingContext Ring => _ring;

    internal IoUringSocketEngine Engine => _engine;

    internal bool RunContinuationsAsynchronously => !_engine.Options.InlineContinuations;

    public override void MarkClosing()
    {
        lock (_gate)
        {
            if (_closing)
            {
                return;
            }

            _closing = true;
        }

        _connected = false;
        FailPendingReceive(new ObjectDisposedException(nameof(BypassSocket), "The socket was disposed while a receive was pending."));
        FailPendingAccept(new ObjectDisposedException(nameof(BypassSocket), "The socket was disposed while an accept was pending."));
    }

    public override void Close()
    {
        MarkClosing();
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0)
        {
            if (_ring.Loop.IsStopped)
            {
                // The ring drained every operation: nothing can still name the descriptor.
                FinishClose();
            }

            return;
        }

        RingEventLoop loop = _ring.Loop;
        if (loop.IsStopped)
        {
            // The ring is gone: every operation it had was completed by its drain.
            FinishClose();
        }
        else
        {
            loop.Execute(_closeWork, RingCommand.Custom);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        Close();
        await _closed.Task.ConfigureAwait(false);
    }

    /// <summary>Counts an operation of this socket entering the ring (ring thread).</summary>
    internal void OnSubmitted() => _inFlight++;

    /// <summary>Counts an operation's final completion; the last one after close closes the descriptor (ring thread).</summary>
    internal void OnReleased()
    {
        _inFlight--;
        if (_closing && _inFlight == 0)
        {
            FinishClose();
        }
    }

    /// <summary>The runtime was disposed under this socket: waiters fail, later calls throw, nothing hangs.</summary>
    internal void OnRingStopped()
    {
        var error = new ObjectDisposedException(nameof(BypassRuntime), "The BypassNet runtime under this socket was disposed.");
        lock (_gate)
        {
            if (_receiveErrno == 0 && !_eof)
            {
                _receiveErrno = Libc.ECANCELED;
            }
        }

        FailPendingReceive(error);
        FailPendingAccept(error);
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_closing, this);
        if (_ring.Loop.IsStopping)
        {
            throw new ObjectDisposedException(nameof(BypassRuntime), "The BypassNet runtime under this socket was disposed.");
        }
    }

    internal ObjectDisposedException Disposed(string what) => new(nameof(BypassSocket), $"The socket was disposed while {what} was pending.");

    private void StartReceiving()
    {
        if (_multishot)
        {
            _ring.Loop.Execute(_recvOp, RingCommand.Submit);
        }
    }

    private void CloseOnRing(RingEventLoop loop)
    {
        if (_inFlight == 0)
        {
            FinishClose();
            return;
        }

        // One request cancels everything on this descriptor; the individual cancels cover kernels without CANCEL_FD.
        Sqe.CancelFd(ref loop.SubmitUntracked(), _fd, RingEventLoop.InternalUserData);
        loop.Cancel(_recvOp);
        if (_acceptOp is not null)
        {
            loop.Cancel(_acceptOp);
        }
    }

    private void FinishClose()
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

        ReleaseQueuedChunks();
        CloseQueuedAccepts();
        Socket.Dispose();
        _engine.Forget(this);
        _closed.TrySetResult();
    }

    /// <summary>Posted to the ring by <see cref="Close"/>.</summary>
    private sealed class CloseWork : RingWork
    {
        private readonly IoUringSocketTransport _transport;

        public CloseWork(IoUringSocketTransport transport) => _transport = transport;

        internal override void Execute(RingEventLoop loop, RingCommand command) => _transport.CloseOnRing(loop);
    }
}
