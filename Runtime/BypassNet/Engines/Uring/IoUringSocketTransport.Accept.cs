using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using BypassNet.Interop;
using BypassNet.Ring;
using BypassNet.Sockets;

namespace BypassNet.Engines.Uring;

/// <summary>Accept side of a listening socket.</summary>
internal sealed partial class IoUringSocketTransport : IValueTaskSource<Socket>
{
    private const int MaxQueuedAccepts = 1024;
    private static readonly Action<object?> s_cancelAccept = static state => ((IoUringSocketTransport)state!).CancelPendingAccept();

    private readonly Queue<int> _accepted = new();
    private AcceptOperation? _acceptOp;
    private int _acceptErrno;
    private bool _acceptWaiting;
    private bool _acceptPaused;
    private CancellationToken _acceptToken;
    private CancellationTokenRegistration _acceptRegistration;
    private ManualResetValueTaskSourceCore<Socket> _acceptCore;

    internal bool AcceptWaiting
    {
        get
        {
            lock (_gate)
            {
                return _acceptWaiting;
            }
        }
    }

    internal bool AcceptPaused
    {
        get
        {
            lock (_gate)
            {
                return _acceptPaused;
            }
        }
    }

    public override ValueTask<Socket> AcceptAsync(CancellationToken cancellationToken)
    {
        short version;
        lock (_gate)
        {
            ThrowIfUnusable();
            if (_acceptWaiting)
            {
                throw new InvalidOperationException("An accept is already pending on this socket; await it before starting another.");
            }

            if (_accepted.Count > 0)
            {
                int fd = _accepted.Dequeue();
                ResumeAcceptLocked();
                return new ValueTask<Socket>(Wrap(fd));
            }

            if (_acceptErrno != 0)
            {
                // Reported once; the next accept tries again (EMFILE and friends can pass).
                int errno = _acceptErrno;
                _acceptErrno = 0;
                throw SocketErrors.Exception(errno);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<Socket>(cancellationToken);
            }

            _acceptCore.Reset();
            _acceptCore.RunContinuationsAsynchronously = RunContinuationsAsynchronously;
            _acceptWaiting = true;
            _acceptToken = cancellationToken;
            version = _acceptCore.Version;
            _acceptOp ??= new AcceptOperation(this, _engine.Capabilities.MultishotAccept);
        }

        if (cancellationToken.CanBeCanceled)
        {
            _acceptRegistration = cancellationToken.UnsafeRegister(s_cancelAccept, this);
        }

        _ring.Loop.Execute(_acceptOp, RingCommand.Submit);
        return new ValueTask<Socket>(this, version);
    }

    internal void OnAccepted(int fd)
    {
        bool complete = false;
        bool pause = false;
        lock (_gate)
        {
            if (_closing)
            {
                Libc.Close(fd);
                return;
            }

            _engine.Statistics.Add(ref _engine.Statistics.Accepts);
            if (_acceptWaiting)
            {
                _acceptWaiting = false;
                complete = true;
            }
            else
            {
                _accepted.Enqueue(fd);
                if (!_acceptPaused && _accepted.Count >= MaxQueuedAccepts)
                {
                    // The application is not accepting: leave further connections in the kernel's backlog.
                    _acceptPaused = pause = true;
                }
            }
        }

        if (pause)
        {
            _ring.Loop.Cancel(_acceptOp!);
        }

        if (complete)
        {
            _acceptRegistration.Unregister();
            Socket socket;
            try
            {
                socket = Wrap(fd);
            }
            catch (Exception ex)
            {
                Libc.Close(fd);
                _acceptCore.SetException(ex);
                return;
            }

            _acceptCore.SetResult(socket);
        }
    }

    internal void OnAcceptError(int errno)
    {
        lock (_gate)
        {
            if (!_acceptWaiting)
            {
                _acceptErrno = errno;
                return;
            }

            _acceptWaiting = false;
        }

        _acceptRegistration.Unregister();
        _acceptCore.SetException(SocketErrors.Exception(errno));
    }

    Socket IValueTaskSource<Socket>.GetResult(short token) => _acceptCore.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<Socket>.GetStatus(short token) => _acceptCore.GetStatus(token);

    void IValueTaskSource<Socket>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _acceptCore.OnCompleted(continuation, state, token, flags);

    private void FailPendingAccept(Exception error)
    {
        lock (_gate)
        {
            if (!_acceptWaiting)
            {
                return;
            }

            _acceptWaiting = false;
        }

        _acceptRegistration.Unregister();
        _acceptCore.SetException(error);
    }

    private void CancelPendingAccept()
    {
        lock (_gate)
        {
            if (!_acceptWaiting || !_acceptToken.IsCancellationRequested)
            {
                return;
            }

            _acceptWaiting = false;
        }

        // The multishot accept keeps running; connections that arrive meanwhile wait in the queue.
        _acceptCore.SetException(new OperationCanceledException(_acceptToken));
    }

    private void ResumeAcceptLocked()
    {
        if (_acceptPaused && _accepted.Count <= MaxQueuedAccepts / 2)
        {
            _acceptPaused = false;
            _ring.Loop.Execute(_acceptOp!, RingCommand.Submit);
        }
    }

    private void CloseQueuedAccepts()
    {
        lock (_gate)
        {
            while (_accepted.Count > 0)
            {
                Libc.Close(_accepted.Dequeue());
            }
        }
    }

    private static Socket Wrap(int fd) => new(new SafeSocketHandle((IntPtr)fd, ownsHandle: true));
}
