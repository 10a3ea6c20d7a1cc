using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using BypassNet.Interop;
using BypassNet.Ring;
using BypassNet.Sockets;

namespace BypassNet.Engines.Uring;

/// <summary>
/// Accept side of a listening socket: one multishot accept, whose new descriptors queue here until the application
/// takes them. A listener whose application does not accept pauses at the backpressure mark and leaves further
/// connections in the kernel's backlog. One accept waits at a time.
/// </summary>
internal sealed class UringAcceptor : IValueTaskSource<Socket>
{
    private static readonly Action<object?> s_cancel = static state => ((UringAcceptor)state!).CancelPending();

    private readonly UringConnection _connection;
    private readonly AcceptOperation _operation;
    private readonly BackpressurePolicy _backpressure;
    private readonly Queue<int> _accepted = new();
    private readonly Lock _gate = new();
    private readonly CancelableWait _cancellation;
    private bool _closed;
    private int _errno;
    private bool _waiting;
    private bool _paused;
    private bool _exhausted;
    private CancellationToken _token;
    private ManualResetValueTaskSourceCore<Socket> _core;

    public UringAcceptor(UringConnection connection)
    {
        _connection = connection;
        _operation = new AcceptOperation(connection, this);
        _backpressure = connection.Engine.Backpressure;
        _cancellation = new CancelableWait(s_cancel, this);
    }

    public bool Paused
    {
        get
        {
            lock (_gate)
            {
                return _paused;
            }
        }
    }

    /// <summary>Whether a connection the multishot accept took is waiting for an AcceptAsync.</summary>
    public bool HasAccepted
    {
        get
        {
            lock (_gate)
            {
                return _accepted.Count > 0;
            }
        }
    }

    public ValueTask<Socket> AcceptAsync(CancellationToken cancellationToken)
    {
        short version;
        long wait;
        lock (_gate)
        {
            _connection.ThrowIfUnusable();
            if (_waiting)
            {
                throw new InvalidOperationException("An accept is already pending on this socket; await it before starting another.");
            }

            if (_accepted.Count > 0)
            {
                int fd = _accepted.Dequeue();
                ResumeLocked();
                return new ValueTask<Socket>(Wrap(fd));
            }

            if (_errno != 0)
            {
                // Reported once; the next accept tries again (EMFILE and friends can pass).
                int errno = _errno;
                _errno = 0;
                throw SocketErrors.Exception(errno);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<Socket>(cancellationToken);
            }

            _core.Reset();
            _core.RunContinuationsAsynchronously = _connection.RunContinuationsAsynchronously;
            _waiting = true;
            _token = cancellationToken;
            version = _core.Version;
            wait = _cancellation.Begin(cancellationToken);
        }

        _cancellation.Register(wait, cancellationToken);

        _connection.Loop.Execute(_operation, RingCommand.Submit);
        return new ValueTask<Socket>(this, version);
    }

    /// <summary>A connection arrived (ring thread).</summary>
    public void OnAccepted(int fd)
    {
        bool complete = false;
        bool pause = false;
        bool resumed = false;
        lock (_gate)
        {
            if (_closed)
            {
                Libc.Close(fd);
                return;
            }

            _connection.RecordAccept();
            resumed = _exhausted;
            _exhausted = false;
            if (_waiting)
            {
                _waiting = false;
                complete = true;
            }
            else
            {
                _accepted.Enqueue(fd);
                if (!_paused && _backpressure.ShouldPauseAccept(_accepted.Count))
                {
                    // The application is not accepting: leave further connections in the kernel's backlog.
                    _paused = pause = true;
                }
            }
        }

        if (resumed)
        {
            Diagnostics.Log.AcceptResumed(_connection.Engine.Logger, _connection.Fd);
        }

        if (pause)
        {
            _connection.Loop.Cancel(_operation);
        }

        if (complete)
        {
            _cancellation.End();
            Socket socket;
            try
            {
                socket = Wrap(fd);
            }
            catch (Exception ex)
            {
                // Wrap closed the descriptor already (its handle owned it): closing it here too could hit a reused number.
                _core.SetException(ex);
                return;
            }

            _core.SetResult(socket);
        }
    }

    /// <summary>
    /// The listener ran out of descriptors (ring thread): not an error for the application, whose accept keeps waiting
    /// while the operation backs off; logged once per episode (through the guarded logger, which cannot throw here).
    /// </summary>
    public void OnDescriptorsExhausted(int errno)
    {
        if (!_exhausted)
        {
            _exhausted = true;
            Diagnostics.Log.AcceptBackingOff(_connection.Engine.Logger, _connection.Fd, errno == Libc.EMFILE ? "EMFILE" : "ENFILE", (int)SocketTransport.ExhaustedAcceptBackoff.TotalMilliseconds);
        }
    }

    /// <summary>The accept failed (ring thread): the waiter gets the error, or the next accept does.</summary>
    public void OnError(int errno)
    {
        lock (_gate)
        {
            if (!_waiting)
            {
                _errno = errno;
                return;
            }

            _waiting = false;
        }

        _cancellation.End();
        _core.SetException(SocketErrors.Exception(errno));
    }

    /// <summary>The socket is closing: a pending accept fails with <paramref name="error"/>; connections arriving later are closed.</summary>
    public void OnClosing(Exception error)
    {
        lock (_gate)
        {
            _closed = true;
        }

        Fail(error);
    }

    /// <summary>A pending accept fails with <paramref name="error"/> (the socket is closing or its ring stopped).</summary>
    public void Fail(Exception error)
    {
        lock (_gate)
        {
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
        }

        _cancellation.End();
        _core.SetException(error);
    }

    /// <summary>Closes the descriptors nobody accepted (the listener is closing).</summary>
    public void CloseQueued()
    {
        lock (_gate)
        {
            while (_accepted.Count > 0)
            {
                Libc.Close(_accepted.Dequeue());
            }
        }
    }

    Socket IValueTaskSource<Socket>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<Socket>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<Socket>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void CancelPending()
    {
        lock (_gate)
        {
            if (!_waiting || !_token.IsCancellationRequested)
            {
                return;
            }

            _waiting = false;
        }

        // The multishot accept keeps running; connections that arrive meanwhile wait in the queue.
        _cancellation.End();
        _core.SetException(new OperationCanceledException(_token));
    }

    private void ResumeLocked()
    {
        if (_paused && _backpressure.ShouldResumeAccept(_accepted.Count))
        {
            _paused = false;
            _connection.Loop.Execute(_operation, RingCommand.Submit);
        }
    }

    /// <summary>A Socket over an accepted descriptor. The handle is the descriptor's one owner: if the Socket cannot be built, disposing the handle closes it, once.</summary>
    private static Socket Wrap(int fd)
    {
        var handle = new SafeSocketHandle((IntPtr)fd, ownsHandle: true);
        try
        {
            return new Socket(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }
}
