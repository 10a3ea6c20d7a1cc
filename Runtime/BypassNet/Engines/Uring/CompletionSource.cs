using System.Threading.Tasks.Sources;
using BypassNet.Ring;

namespace BypassNet.Engines.Uring;

/// <summary>
/// Base of the socket operations an application awaits: a reusable, allocation-free <see cref="IValueTaskSource{TResult}"/>
/// completed on the ring thread, with cancellation that asks the kernel to cancel the request (the operation still
/// completes only at its final CQE, so memory it names is never released early).
/// </summary>
internal abstract class CompletionSource : RingOperation, IValueTaskSource<int>, IRejectable
{
    private static readonly Action<object?> s_cancel = static state => ((CompletionSource)state!).RequestCancel();

    private ManualResetValueTaskSourceCore<int> _core;
    private CancellationTokenRegistration _registration;
    private volatile bool _cancelRequested;

    protected CompletionSource(IoUringSocketTransport transport) => Transport = transport;

    protected IoUringSocketTransport Transport { get; }

    protected CancellationToken Token { get; private set; }

    /// <summary>True once the token fired; remembered so a request resubmitted later (a short send) is not re-issued.</summary>
    protected bool CancelRequested => _cancelRequested;

    /// <summary>False when a late cancellation callback could still touch this object: it must not be reused.</summary>
    protected bool Reusable { get; private set; } = true;

    /// <summary>Resets for a new operation and hooks the token. Returns the version for the ValueTask.</summary>
    protected short Begin(CancellationToken cancellationToken, bool runContinuationsAsynchronously)
    {
        _core.Reset();
        _core.RunContinuationsAsynchronously = runContinuationsAsynchronously;
        _cancelRequested = false;
        Reusable = true;
        Token = cancellationToken;
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(s_cancel, this);
        }

        return _core.Version;
    }

    /// <summary>Unhooks the token; call before completing.</summary>
    protected void EndCancellation()
    {
        if (!_registration.Unregister() && Token.CanBeCanceled && Token.IsCancellationRequested)
        {
            Reusable = false;
        }

        _registration = default;
    }

    protected void SetResult(int result) => _core.SetResult(result);

    protected void SetException(Exception error) => _core.SetException(error);

    /// <summary>
    /// Completes with the error a failed request means: on a closed socket or stopped ring whatever the kernel said
    /// (ECANCELED, or a reset by a peer closed at the same time) the cause is the close; else cancellation, or the errno.
    /// </summary>
    protected void SetError(int errno, string what)
    {
        if (Transport.IsClosing || Transport.Ring.Loop.IsStopping)
        {
            SetException(Transport.Disposed(what));
        }
        else if (errno == Interop.Libc.ECANCELED && Token.IsCancellationRequested)
        {
            SetException(new OperationCanceledException(Token));
        }
        else
        {
            SetException(Sockets.SocketErrors.Exception(errno));
        }
    }

    /// <summary>The ring stopped before this operation reached it.</summary>
    public abstract void Reject(Exception reason);

    public virtual int GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void RequestCancel()
    {
        _cancelRequested = true;
        Transport.Ring.Loop.Post(this, RingCommand.Cancel);
    }
}
