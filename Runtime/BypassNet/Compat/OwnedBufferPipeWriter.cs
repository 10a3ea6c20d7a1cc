// Over 300 lines on purpose: PipeWriter's contract (GetMemory/Advance/FlushAsync, backpressure, cancel, complete)
// is one state machine over the buffers being filled; split, its invariants would cross files.
using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace BypassNet.Compat;

/// <summary>
/// The output side of a <see cref="BypassDuplexPipe"/>: a <see cref="PipeWriter"/> that hands out memory of buffers
/// rented from the runtime's <see cref="BufferPool"/> and, on <see cref="FlushAsync"/>, queues them for the owned
/// <see cref="BypassSocket.SendAsync(OwnedBuffer, CancellationToken)"/> (registered memory, zero-copy capable).
/// </summary>
/// <remarks>
/// <para>
/// A flush completes as soon as its buffers are queued, unless more than <see cref="PauseThreshold"/> bytes are still
/// waiting to reach the kernel; then it waits until the queue drains below <see cref="ResumeThreshold"/>. That is how
/// a Pipe-fed transport behaves, and it keeps the send's completion off the application's critical path. Sends of one
/// writer go out one at a time, in order, chained by completion callbacks (no task per send).
/// </para>
/// <para>
/// When the pool is exhausted (a huge unflushed write, many connections) the writer falls back to array-pool memory
/// sent through the drop-in send, so a write never fails or blocks for want of a buffer. A failed send completes the
/// writer the way a Pipe-fed transport does when its send loop dies: flushes report <see cref="FlushResult.IsCompleted"/>
/// and further writes are discarded.
/// </para>
/// </remarks>
internal sealed class OwnedBufferPipeWriter : PipeWriter, IValueTaskSource<FlushResult>
{
    internal const int PauseThreshold = 64 * 1024;
    internal const int ResumeThreshold = 32 * 1024;

    /// <summary>The smallest heap chunk a writer takes when the send pool is exhausted; larger once a write runs long.</summary>
    internal const int OverflowChunk = 4096;

    // Heap chunks for an exhausted send pool (1,000 connections with sends in flight exhaust 256 buffers). The shared
    // array pool keeps only a few arrays per core, so at that concurrency most rents allocated anew: 64 KiB per
    // response, 8 KB per request on average at -c1000. This pool keeps up to 1,024 returned chunks of each size.
    private static readonly ArrayPool<byte> s_overflow = ArrayPool<byte>.Create(maxArrayLength: 64 * 1024, maxArraysPerBucket: 1024);

    private static readonly Action<object?> s_cancelFlush = static state => ((OwnedBufferPipeWriter)state!).CancelWaitingFlush();

    private readonly BypassSocket _socket;
    private readonly BufferPool _pool;
    private readonly Lock _sync = new();
    private readonly Queue<Chunk> _queue = new();
    private readonly Action _onSendCompleted;
    private readonly bool _runtimeInline;

    // The buffer being written (one of the two), owned by the writing thread.
    private OwnedBuffer? _owned;
    private byte[]? _array;
    private int _written;

    private long _queuedBytes;
    private long _committedSinceFlush;
    private bool _sending;
    private ValueTask<int> _pendingSend;
    private byte[]? _pendingArray;
    private OwnedBuffer? _pendingOwned;

    private bool _flushWaiting;
    private CancellationToken _flushToken;
    private CancellationTokenRegistration _flushRegistration;
    private ManualResetValueTaskSourceCore<FlushResult> _flushCore;
    private bool _cancelNextFlush;
    private bool _completed;
    private bool _discard;
    private bool _sendFailed;
    private TaskCompletionSource? _drained;

    public OwnedBufferPipeWriter(BypassSocket socket)
    {
        _socket = socket;
        _pool = socket.Buffers;
        _onSendCompleted = OnSendCompleted;
        _runtimeInline = socket.Runtime.Options.InlineContinuations;
    }

    /// <summary>Called once when a send fails; the writer has completed itself by then.</summary>
    internal Action<Exception>? SendFailed { get; set; }

    /// <summary>The error of the send that failed, if one did.</summary>
    internal Exception? SendError { get; private set; }

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _committedSinceFlush + _written;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        ThrowIfCompleted();
        EnsureSpace(Math.Max(sizeHint, 1));
        return _owned is not null
            // Checked: a caller that keeps it past Advance must not write into the pool slot's next lease (another connection's send).
            ? _owned.Value.Memory[_written..]
            : _array.AsMemory(_written);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        ThrowIfCompleted();
        EnsureSpace(Math.Max(sizeHint, 1));
        return _owned is not null
            ? _owned.Value.Span[_written..]
            : _array.AsSpan(_written);
    }

    public override void Advance(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        int capacity = _owned?.Capacity ?? _array?.Length ?? 0;
        if (bytes > capacity - _written)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Advanced past the memory returned by GetMemory.");
        }

        _written += bytes;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        bool kick;
        FlushResult? immediate = null;
        bool canceled = false;
        short version = 0;
        lock (_sync)
        {
            if (_flushWaiting)
            {
                throw new InvalidOperationException("A flush is already in progress on this writer.");
            }

            if (_sendFailed || _completed)
            {
                DiscardLocked();
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
            }

            CommitLocked();
            _committedSinceFlush = 0;
            kick = StartSendingLocked();
            if (_cancelNextFlush)
            {
                _cancelNextFlush = false;
                immediate = new FlushResult(isCanceled: true, isCompleted: false);
            }
            else if (_queuedBytes <= PauseThreshold)
            {
                immediate = new FlushResult(isCanceled: false, isCompleted: false);
            }
            else if (cancellationToken.IsCancellationRequested)
            {
                canceled = true;
            }
            else
            {
                // Backpressure: too much is still waiting for the kernel; resume once the queue has drained.
                _flushCore.Reset();
                _flushWaiting = true;
                _flushToken = cancellationToken;
                version = _flushCore.Version;
                if (cancellationToken.CanBeCanceled)
                {
                    _flushRegistration = cancellationToken.UnsafeRegister(s_cancelFlush, this);
                }
            }
        }

        if (kick)
        {
            SendNext();
        }

        if (immediate is { } result)
        {
            return new ValueTask<FlushResult>(result);
        }

        return canceled ? ValueTask.FromCanceled<FlushResult>(cancellationToken) : new ValueTask<FlushResult>(this, version);
    }

    public override void CancelPendingFlush()
    {
        lock (_sync)
        {
            if (!_flushWaiting)
            {
                _cancelNextFlush = true;
                return;
            }

            _flushWaiting = false;
        }

        CompleteFlush(new FlushResult(isCanceled: true, isCompleted: false), null, inline: false);
    }

    public override void Complete(Exception? exception = null)
    {
        bool kick = false;
        lock (_sync)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            _discard = exception is not null || _sendFailed;
            if (_discard)
            {
                DiscardLocked();
            }
            else
            {
                // Completing commits what was written, as a Pipe does; it goes out in the background.
                CommitLocked();
                kick = StartSendingLocked();
            }
        }

        if (kick)
        {
            SendNext();
        }
    }

    /// <summary>Completes once everything queued has been sent (or dropped after a failure).</summary>
    internal Task WhenDrainedAsync()
    {
        lock (_sync)
        {
            if (!_sending && _queue.Count == 0)
            {
                return Task.CompletedTask;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task;
        }
    }

    FlushResult IValueTaskSource<FlushResult>.GetResult(short token) => _flushCore.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => _flushCore.GetStatus(token);

    void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _flushCore.OnCompleted(continuation, state, token, flags);

    private bool StartSendingLocked()
    {
        if (_sending || _queue.Count == 0 || _sendFailed)
        {
            return false;
        }

        _sending = true;
        return true;
    }

    /// <summary>Sends queued chunks one after another while sends complete synchronously; parks on the first that does not.</summary>
    private void SendNext()
    {
        while (true)
        {
            Chunk chunk;
            bool wake = false;
            bool failed;
            TaskCompletionSource? drained = null;
            lock (_sync)
            {
                failed = _sendFailed;
                if (_queue.Count == 0 || failed)
                {
                    _sending = false;
                    if (failed)
                    {
                        DiscardQueueLocked();
                    }

                    wake = _flushWaiting;
                    _flushWaiting = false;
                    drained = _drained;
                    _drained = null;
                    chunk = default;
                }
                else
                {
                    chunk = _queue.Dequeue();
                    _queuedBytes -= chunk.Length;
                    if (_flushWaiting && _queuedBytes <= ResumeThreshold)
                    {
                        _flushWaiting = false;
                        wake = true;
                    }
                }
            }

            if (wake)
            {
                // A flush waiter is the application: it resumes on a ring thread only if the runtime allows it.
                CompleteFlush(new FlushResult(isCanceled: false, isCompleted: failed), null, inline: _runtimeInline || !_socket.OnEngineThread);
            }

            if (chunk.Length == 0)
            {
                drained?.TrySetResult();
                return;
            }

            // On an application thread, with nothing of ours in flight, the kernel usually takes the whole chunk at once:
            // no post to the ring, no wake-up. Whatever it does not take goes through the engine as usual.
            ReadOnlyMemory<byte> bytes = chunk.Owned is not null ? chunk.Owned.Value.LeaseMemory[..chunk.Length] : chunk.Array.AsMemory(0, chunk.Length);
            int now = _socket.TrySendNow(bytes.Span);
            if (now == chunk.Length)
            {
                chunk.Owned?.Dispose();
                ReturnArray(chunk.Array);
                continue;
            }

            // After a short direct send the remainder is a slice, sent through the drop-in path; the writer keeps the buffer till then.
            OwnedBuffer? keep = now > 0 ? chunk.Owned : null;
            ValueTask<int> send;
            try
            {
                send = now > 0 || chunk.Owned is null
                    ? _socket.SendAsync(bytes[Math.Max(now, 0)..], SocketFlags.None, CancellationToken.None)
                    : _socket.SendAsync(chunk.Owned.Value, CancellationToken.None);
            }
            catch (Exception ex)
            {
                keep?.Dispose();
                ReturnArray(chunk.Array);
                OnSendFailed(ex);
                continue;
            }

            if (!send.IsCompleted)
            {
                _pendingSend = send;
                _pendingArray = chunk.Array;
                _pendingOwned = keep;
                send.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onSendCompleted);
                return;
            }

            Land(send, chunk.Array, keep);
        }
    }

    private void OnSendCompleted()
    {
        ValueTask<int> send = _pendingSend;
        byte[]? array = _pendingArray;
        OwnedBuffer? keep = _pendingOwned;
        _pendingSend = default;
        _pendingArray = null;
        _pendingOwned = null;
        Land(send, array, keep);
        SendNext();
    }

    private void Land(ValueTask<int> send, byte[]? array, [TakesOwnership] OwnedBuffer? keep)
    {
        try
        {
            send.GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            OnSendFailed(ex);
        }
        finally
        {
            keep?.Dispose();
            ReturnArray(array);
        }
    }

    private void OnSendFailed(Exception error)
    {
        Action<Exception>? callback;
        lock (_sync)
        {
            if (_sendFailed)
            {
                return;
            }

            _sendFailed = true;
            SendError = error;
            callback = SendFailed;
        }

        callback?.Invoke(error);
    }

    private void CancelWaitingFlush()
    {
        CancellationToken token;
        lock (_sync)
        {
            token = _flushToken;
            if (!_flushWaiting || !token.IsCancellationRequested)
            {
                return;
            }

            _flushWaiting = false;
        }

        CompleteFlush(default, new OperationCanceledException(token), inline: false);
    }

    private void CompleteFlush(FlushResult result, Exception? error, bool inline)
    {
        _flushRegistration.Unregister();
        _flushRegistration = default;
        _flushCore.RunContinuationsAsynchronously = !inline;
        if (error is not null)
        {
            _flushCore.SetException(error);
        }
        else
        {
            _flushCore.SetResult(result);
        }
    }

    private void EnsureSpace(int sizeHint)
    {
        int capacity = _owned?.Capacity ?? _array?.Length ?? 0;
        if (capacity - _written >= sizeHint)
        {
            return;
        }

        lock (_sync)
        {
            CommitLocked();
        }

        if (sizeHint <= _pool.BufferSize && _pool.TryRent(out OwnedBuffer buffer))
        {
            _owned = buffer;
        }
        else
        {
            // Pool exhausted or a hint larger than a pool buffer: heap memory sent through the drop-in path. A small
            // response takes a small chunk; a write that already filled chunks since its flush takes bigger ones.
            int size = (int)Math.Clamp(_committedSinceFlush, OverflowChunk, Math.Max(OverflowChunk, _pool.BufferSize));
            _array = s_overflow.Rent(Math.Max(sizeHint, size));
        }
    }

    /// <summary>Moves the buffer being written into the send queue (caller holds the lock).</summary>
    private void CommitLocked()
    {
        if (_owned is { } owned)
        {
            if (_written > 0)
            {
                owned.Length = _written;
                _queue.Enqueue(new Chunk(_owned, null, _written));
                _queuedBytes += _written;
                _committedSinceFlush += _written;
            }
            else
            {
                owned.Dispose();
            }
        }
        else if (_array is not null)
        {
            if (_written > 0)
            {
                _queue.Enqueue(new Chunk(null, _array, _written));
                _queuedBytes += _written;
                _committedSinceFlush += _written;
            }
            else
            {
                s_overflow.Return(_array);
            }
        }

        _owned = null;
        _array = null;
        _written = 0;
    }

    /// <summary>Drops what was written and what is queued (writing thread only: it touches the buffer being written).</summary>
    private void DiscardLocked()
    {
        CommitLocked();
        DiscardQueueLocked();
    }

    /// <summary>Drops what is queued; safe from the send-completion side, which never touches the buffer being written.</summary>
    private void DiscardQueueLocked()
    {
        while (_queue.Count > 0)
        {
            Chunk chunk = _queue.Dequeue();
            chunk.Owned?.Dispose();
            ReturnArray(chunk.Array);
        }

        _queuedBytes = 0;
    }

    private static void ReturnArray(byte[]? array)
    {
        if (array is not null)
        {
            s_overflow.Return(array);
        }
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            throw new InvalidOperationException("Writing is not allowed after the writer was completed.");
        }
    }

    private readonly record struct Chunk(OwnedBuffer? Owned, byte[]? Array, int Length);
}
