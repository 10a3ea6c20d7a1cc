using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace BypassNet.Compat;

/// <summary>
/// The output side of a <see cref="BypassDuplexPipe"/>: a <see cref="PipeWriter"/> that hands out memory of buffers
/// rented from the runtime's <see cref="BufferPool"/> and, on <see cref="FlushAsync"/>, hands those buffers to the
/// owned <see cref="BypassSocket.SendAsync(OwnedBuffer, CancellationToken)"/> (registered memory, zero-copy capable).
/// </summary>
/// <remarks>
/// When the pool is exhausted (a huge unflushed write, many connections) the writer falls back to array-pool memory
/// sent through the drop-in send, so a write never fails or blocks for want of a buffer. Sends of one writer go out
/// one at a time, in order. A failed send completes the writer the way a Pipe-fed transport does when its send loop
/// dies: flushes report <see cref="FlushResult.IsCompleted"/> and further writes are discarded.
/// </remarks>
internal sealed class OwnedBufferPipeWriter : PipeWriter
{
    private readonly BypassSocket _socket;
    private readonly BufferPool _pool;
    private readonly object _sync = new();
    private readonly Queue<Chunk> _unflushed = new();

    private OwnedBuffer? _owned;
    private byte[]? _array;
    private int _written;
    private long _unflushedBytes;

    private bool _flushing;
    private bool _cancelFlush;
    private bool _completed;
    private bool _discard;
    private bool _sendFailed;
    private TaskCompletionSource? _idle;

    public OwnedBufferPipeWriter(BypassSocket socket)
    {
        _socket = socket;
        _pool = socket.Buffers;
    }

    /// <summary>Called once when a send fails; the writer has completed itself by then.</summary>
    internal Action<Exception>? SendFailed { get; set; }

    /// <summary>The error of the send that failed, if one did.</summary>
    internal Exception? SendError { get; private set; }

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _unflushedBytes + _written;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        ThrowIfCompleted();
        EnsureSpace(Math.Max(sizeHint, 1));
        return _owned is not null
            ? _owned.Memory[_written..]
            : _array.AsMemory(_written);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        ThrowIfCompleted();
        EnsureSpace(Math.Max(sizeHint, 1));
        return _owned is not null
            ? _owned.Span[_written..]
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
        lock (_sync)
        {
            if (_flushing)
            {
                throw new InvalidOperationException("A flush is already in progress on this writer.");
            }

            if (_cancelFlush)
            {
                _cancelFlush = false;
                CommitLocked();
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: true, isCompleted: _sendFailed));
            }

            if (_sendFailed || _completed)
            {
                DiscardLocked();
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
            }

            CommitLocked();
            if (_unflushed.Count == 0)
            {
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
            }

            _flushing = true;
        }

        return SendQueuedAsync(cancellationToken);
    }

    public override void CancelPendingFlush()
    {
        lock (_sync)
        {
            _cancelFlush = true;
        }
    }

    public override void Complete(Exception? exception = null)
    {
        lock (_sync)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            _discard = exception is not null || _sendFailed;
            if (_flushing)
            {
                // The flush in progress finishes the queue (or discards it) when it ends.
                return;
            }

            if (_discard)
            {
                DiscardLocked();
                return;
            }

            CommitLocked();
            if (_unflushed.Count == 0)
            {
                return;
            }

            // Completing commits what was written, as a Pipe does; it goes out in the background.
            _flushing = true;
            _ = SendQueuedAsync(CancellationToken.None).AsTask();
        }
    }

    /// <summary>Completes once everything committed before completion has been sent (or dropped after a failure).</summary>
    internal Task WhenDrainedAsync()
    {
        lock (_sync)
        {
            if (!_flushing)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> SendQueuedAsync(CancellationToken cancellationToken)
    {
        bool canceled = false;
        try
        {
            while (true)
            {
                Chunk chunk;
                lock (_sync)
                {
                    if (_unflushed.Count == 0 || _sendFailed)
                    {
                        break;
                    }

                    if (_cancelFlush && !_completed)
                    {
                        // Bytes already handed to the kernel cannot be recalled; the rest waits for the next flush.
                        _cancelFlush = false;
                        canceled = true;
                        break;
                    }

                    chunk = _unflushed.Dequeue();
                    _unflushedBytes -= chunk.Length;
                }

                try
                {
                    if (chunk.Owned is not null)
                    {
                        await _socket.SendAsync(chunk.Owned, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        try
                        {
                            await _socket.SendAsync(chunk.Array!.AsMemory(0, chunk.Length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                        }
                        finally
                        {
                            ArrayPool<byte>.Shared.Return(chunk.Array!);
                        }
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    OnSendFailed(ex);
                }
            }
        }
        finally
        {
            TaskCompletionSource? idle = null;
            lock (_sync)
            {
                _flushing = false;
                if (_sendFailed || (_completed && _discard))
                {
                    DiscardLocked();
                }
                else if (_completed && _unflushed.Count > 0)
                {
                    // Completed while this flush ran: keep going in the background until the queue is empty.
                    _flushing = true;
                    _ = SendQueuedAsync(CancellationToken.None).AsTask();
                }

                if (!_flushing)
                {
                    idle = _idle;
                    _idle = null;
                }
            }

            idle?.TrySetResult();
        }

        return new FlushResult(canceled, isCompleted: _sendFailed);
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

        if (sizeHint <= _pool.BufferSize && _pool.TryRent(out OwnedBuffer? buffer))
        {
            _owned = buffer;
        }
        else
        {
            // Pool exhausted or a hint larger than a pool buffer: heap memory sent through the drop-in path.
            _array = ArrayPool<byte>.Shared.Rent(Math.Max(sizeHint, _pool.BufferSize));
        }
    }

    /// <summary>Moves the buffer being written into the send queue (caller holds the lock).</summary>
    private void CommitLocked()
    {
        if (_owned is not null)
        {
            if (_written > 0)
            {
                _owned.Length = _written;
                _unflushed.Enqueue(new Chunk(_owned, null, _written));
                _unflushedBytes += _written;
            }
            else
            {
                _owned.Dispose();
            }
        }
        else if (_array is not null)
        {
            if (_written > 0)
            {
                _unflushed.Enqueue(new Chunk(null, _array, _written));
                _unflushedBytes += _written;
            }
            else
            {
                ArrayPool<byte>.Shared.Return(_array);
            }
        }

        _owned = null;
        _array = null;
        _written = 0;
    }

    private void DiscardLocked()
    {
        CommitLocked();
        while (_unflushed.Count > 0)
        {
            Chunk chunk = _unflushed.Dequeue();
            chunk.Owned?.Dispose();
            if (chunk.Array is not null)
            {
                ArrayPool<byte>.Shared.Return(chunk.Array);
            }
        }

        _unflushedBytes = 0;
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
