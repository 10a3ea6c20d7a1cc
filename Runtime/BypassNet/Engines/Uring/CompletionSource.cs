using System.Threading.Tasks.Sources;
using BypassNet.Ring;

namespace BypassNet.Engines.Uring;

/// <summary>
/// Base of the socket operations an application awaits (SEND, CONNECT): a reusable, allocation-free
/// <see cref="IValueTaskSource{TResult}"/> completed on the ring thread, with cancellation that asks the kernel to
/// cancel the request (the operation still completes only at its final CQE, so memory it names is never released early).
/// </summary>
internal abstract class CompletionSource : RingOperation, IValueTaskSource<int>, IRejectable
{
    private static readonly Action<object?> s_cancel = static state => ((CompletionSource)state!).CancelFromToken();

    private readonly CancelableWait _cancellation;
    private ManualResetValueTaskSourceCore<int> _core;
    private int _completed;

    protected CompletionSource(UringConnection connection)
        : base(connection)
    {
        Connection = connection;
        _cancellation = new CancelableWait(s_cancel, this);
    }

    protected UringConnection Connection { get; }

    protected CancellationToken Token { get; private set; }

    /// <summary>False when a late cancellation callback could still touch this object: it must not be reused.</summary>
    protected bool Reusable { get; private set; } = true;

    /// <summary>The ring stopped before this operation reached it.</summary>
    public abstract void Reject();

    public virtual int GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Resets for a new operation and hooks the token. Returns the version for the ValueTask.</summary>
    protected short Begin(CancellationToken cancellationToken, bool runContinuationsAsynchronously)
    {
        _core.Reset();
        _completed = 0;
        _core.RunContinuationsAsynchronously = runContinuationsAsynchronously;
        ResetCancellation();
        Reusable = true;
        Token = cancellationToken;
        _cancellation.Register(_cancellation.Begin(cancellationToken), cancellationToken);
        return _core.Version;
    }

    /// <summary>Unhooks the token; call before completing.</summary>
    protected void EndCancellation()
    {
        if (!_cancellation.End())
        {
            Reusable = false;
        }
    }

    protected void SetResult(int result)
    {
        if (TryComplete())
        {
            _core.SetResult(result);
        }
    }

    /// <summary>
    /// Completes with the error a failed request means, mapped once for both engines by
    /// <see cref="Sockets.SocketTransport.Failure"/> — or with the ring's failure when the ring under it failed.
    /// </summary>
    protected void SetError(int errno, string what)
    {
        if (TryComplete())
        {
            _core.SetException(Connection.Loop.Failure is { } failure ? failure.Copy() : Connection.Failure(errno, what, Token));
        }
    }

    /// <summary>
    /// The handler threw or the ring failed: the awaiter gets <paramref name="error"/> now; the operation's own finish
    /// (at its final completion, if that ever comes) frees its memory but completes nothing. Never reused.
    /// </summary>
    internal override void OnFault(RingEventLoop loop, Exception error)
    {
        Reusable = false;
        if (TryComplete())
        {
            EndCancellation();
            _core.SetException(error);
        }
    }

    /// <summary>True for the one caller that may complete this use of the operation.</summary>
    private bool TryComplete() => Interlocked.Exchange(ref _completed, 1) == 0;

    private void CancelFromToken() => RequestCancel(Connection.Loop);
}
