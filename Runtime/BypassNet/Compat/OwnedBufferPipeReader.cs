// Over 300 lines on purpose: PipeReader's contract (ReadAsync/TryRead/AdvanceTo with examined vs consumed, cancel,
// complete) is one state machine over one segment list; split, its invariants would cross files.
using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Tasks.Sources;

namespace BypassNet.Compat;

/// <summary>
/// The input side of a <see cref="BypassDuplexPipe"/>: a <see cref="PipeReader"/> whose buffers are the
/// <see cref="OwnedBuffer"/>s the kernel filled, linked into a <see cref="ReadOnlySequence{T}"/> without a copy. A
/// buffer goes back to its ring when the consumer advances past it.
/// </summary>
/// <remarks>
/// <para>
/// One owned receive is kept in flight while fewer than <see cref="BypassPipeOptions.MaxBufferedReceives"/> buffers are
/// held (and less than <see cref="MaxBufferedBytes"/> is unconsumed), so end of stream and resets are seen even while
/// the consumer is busy (as a Pipe-fed transport sees them), and a slow consumer stops the receiving instead of
/// pinning the whole ring.
/// </para>
/// <para>
/// Ring slots are shared by every connection of a ring, so bytes the consumer examines but does not consume (a
/// request whose headers trickle in, a slowloris peer) must not keep one slot per segment. The reader compacts: when
/// the consumer leaves bytes behind that fill less than a quarter of the slots they sit in, or when more than
/// <see cref="MaxHeldSlots"/> slots are held while no read is in progress, it copies the unconsumed bytes into one
/// array of its own (shared array pool) and gives the slots back. A consumer that keeps up (consumes what it reads)
/// never triggers it and stays zero-copy.
/// </para>
/// </remarks>
internal sealed class OwnedBufferPipeReader : PipeReader, IValueTaskSource<ReadResult>
{
    /// <summary>Slots a reader keeps lent while no read is in progress before it compacts them into its own memory.</summary>
    internal const int MaxHeldSlots = 4;

    /// <summary>Unconsumed bytes at which receiving pauses (Kestrel's default request buffer limit: 1 MiB).</summary>
    internal const int MaxBufferedBytes = 1024 * 1024;

    private const int MinCompactionArray = 4096;

    private static readonly Action<object?> s_cancelRead = static state => ((OwnedBufferPipeReader)state!).CancelWaitingRead();

    private readonly BypassSocket _socket;
    private readonly Lock _sync = new();
    private readonly Action _onReceiveCompleted;
    private readonly Stack<OwnedBufferSegment> _segmentPool = new();
    private readonly int _maxSegments;
    private readonly bool _inlineContinuations;
    private readonly bool _runtimeInline;

    private OwnedBufferSegment? _head;
    private OwnedBufferSegment? _tail;
    private int _headIndex;
    private int _heldSlots;
    private long _heldSlotCapacity;
    private long _compactions;
    private long _end;
    private long _examined;

    private bool _receivePending;
    private ValueTask<OwnedBuffer> _pendingReceive;
    private bool _endOfStream;
    private Exception? _receiveError;

    private bool _readerCompleted;
    private bool _readInProgress;
    private bool _cancelNextRead;
    private bool _readWaiting;
    private CancellationToken _readToken;
    private CancellationTokenRegistration _readRegistration;
    private ManualResetValueTaskSourceCore<ReadResult> _readCore;

    public OwnedBufferPipeReader(BypassSocket socket, BypassPipeOptions options)
    {
        _socket = socket;
        _maxSegments = options.MaxBufferedReceives;
        _inlineContinuations = options.InlineReaderContinuations;
        _runtimeInline = socket.Runtime.Options.InlineContinuations;
        _onReceiveCompleted = OnReceiveCompleted;
    }

    /// <summary>
    /// Called once when receiving ends (null for end of stream, else the error). Returns the exception readers should
    /// see, so a transport can translate socket errors (Kestrel wants its own reset and abort exceptions).
    /// </summary>
    internal Func<Exception?, Exception?>? ReceiveEnded { get; set; }

    /// <summary>Ring slots this reader holds now (lent to the consumer, not yet advanced past).</summary>
    internal int HeldSlots
    {
        get
        {
            lock (_sync)
            {
                return _heldSlots;
            }
        }
    }

    /// <summary>How many times unconsumed bytes were copied out of their ring slots.</summary>
    internal long Compactions => Interlocked.Read(ref _compactions);

    /// <summary>Starts receiving ahead of the first read, so end of stream is noticed even before anyone reads.</summary>
    internal void Start()
    {
        if (TryBeginReceive())
        {
            Pump();
        }
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        bool kick;
        short version;
        lock (_sync)
        {
            ThrowIfReadNotAllowed();
            if (TryGetResultLocked(out ReadResult result))
            {
                return new ValueTask<ReadResult>(result);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<ReadResult>(cancellationToken);
            }

            _readCore.Reset();
            _readWaiting = true;
            _readToken = cancellationToken;
            version = _readCore.Version;
            kick = TryBeginReceiveLocked();
            if (cancellationToken.CanBeCanceled)
            {
                // Registered under the lock so a completing receive can never miss (and leak) the registration.
                _readRegistration = cancellationToken.UnsafeRegister(s_cancelRead, this);
            }
        }

        if (kick)
        {
            Pump();
        }

        return new ValueTask<ReadResult>(this, version);
    }

    public override bool TryRead(out ReadResult result)
    {
        bool kick;
        bool got;
        lock (_sync)
        {
            ThrowIfReadNotAllowed();
            got = TryGetResultLocked(out result);
            kick = !got && TryBeginReceiveLocked();
        }

        if (kick)
        {
            Pump();
        }

        return got;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        bool kick;
        lock (_sync)
        {
            if (_readerCompleted)
            {
                throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
            }

            if (!_readInProgress)
            {
                throw new InvalidOperationException("No reading operation to complete.");
            }

            long start = _head is null ? _end : _head.RunningIndex + _headIndex;
            long consumedAt = Absolute(consumed, start);
            long examinedAt = Absolute(examined, start);
            if (consumedAt < start || consumedAt > _end || examinedAt < consumedAt || examinedAt > _end)
            {
                throw new InvalidOperationException("The positions passed to AdvanceTo are not within the buffer returned by the last read.");
            }

            _readInProgress = false;
            _examined = Math.Max(_examined, examinedAt);

            // Whole segments behind the consumed position go back to their ring; the rest stays.
            while (_head is not null && _head.End <= consumedAt)
            {
                OwnedBufferSegment done = _head;
                _head = (OwnedBufferSegment?)done.Next;
                Recycle(done);
            }

            if (_head is null)
            {
                _tail = null;
                _headIndex = 0;
            }
            else
            {
                _headIndex = (int)(consumedAt - _head.RunningIndex);

                // Bytes left behind that fill a small part of their slots (headers trickling in): keep the bytes, not the slots.
                if (_heldSlots > MaxHeldSlots || (_heldSlots > 0 && (_end - consumedAt) * 4 <= _heldSlotCapacity))
                {
                    CompactLocked();
                }
            }

            kick = TryBeginReceiveLocked();
        }

        if (kick)
        {
            Pump();
        }
    }

    public override void CancelPendingRead()
    {
        ReadResult result;
        lock (_sync)
        {
            if (!_readWaiting)
            {
                _cancelNextRead = true;
                return;
            }

            _readWaiting = false;
            _readInProgress = true;
            result = new ReadResult(BufferLocked(), isCanceled: true, isCompleted: false);
        }

        CompleteRead(result, null, inline: false);
    }

    public override void Complete(Exception? exception = null)
    {
        OwnedBufferSegment? chain;
        lock (_sync)
        {
            if (_readerCompleted)
            {
                return;
            }

            _readerCompleted = true;
            chain = _head;
            _head = _tail = null;
            _heldSlots = 0;
            _heldSlotCapacity = 0;
            _headIndex = 0;
        }

        // Every lent buffer goes back; a receive still in flight returns its buffer when it lands.
        while (chain is not null)
        {
            var next = (OwnedBufferSegment?)chain.Next;
            chain.Release();
            chain = next;
        }
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _readCore.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _readCore.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _readCore.OnCompleted(continuation, state, token, flags);

    private static long Absolute(SequencePosition position, long start) =>
        position.GetObject() is OwnedBufferSegment segment ? segment.RunningIndex + position.GetInteger() : start;

    private void ThrowIfReadNotAllowed()
    {
        if (_readerCompleted)
        {
            throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
        }

        if (_readWaiting || _readInProgress)
        {
            throw new InvalidOperationException("Reading is already in progress: call AdvanceTo before reading again.");
        }
    }

    /// <summary>A result is ready when there is data not yet examined, the stream ended, or a cancel is pending.</summary>
    private bool TryGetResultLocked(out ReadResult result)
    {
        if (_cancelNextRead)
        {
            _cancelNextRead = false;
            _readInProgress = true;
            result = new ReadResult(BufferLocked(), isCanceled: true, isCompleted: false);
            return true;
        }

        if (_receiveError is not null)
        {
            // As with a Pipe whose writer completed with an error: the error wins over buffered data.
            throw _receiveError;
        }

        if (_end > _examined || _endOfStream)
        {
            _readInProgress = true;
            result = new ReadResult(BufferLocked(), isCanceled: false, isCompleted: _endOfStream);
            return true;
        }

        result = default;
        return false;
    }

    private ReadOnlySequence<byte> BufferLocked() =>
        _head is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_head, _headIndex, _tail!, _tail!.Length);

    private bool TryBeginReceive()
    {
        lock (_sync)
        {
            return TryBeginReceiveLocked();
        }
    }

    private bool TryBeginReceiveLocked()
    {
        if (_receivePending || _readerCompleted || _endOfStream || _receiveError is not null || _heldSlots >= _maxSegments)
        {
            return false;
        }

        if (_head is not null && _end - (_head.RunningIndex + _headIndex) >= MaxBufferedBytes)
        {
            // The consumer is this far behind: TCP flow control holds the rest in the kernel, as a Pipe's pause does.
            return false;
        }

        _receivePending = true;
        return true;
    }

    /// <summary>Runs owned receives while they complete synchronously; parks on the first that does not.</summary>
    private void Pump()
    {
        while (true)
        {
            ValueTask<OwnedBuffer> receive;
            try
            {
                receive = _socket.ReceiveAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                OnReceived(null, ex);
                return;
            }

            if (!receive.IsCompleted)
            {
                _pendingReceive = receive;
                receive.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onReceiveCompleted);
                return;
            }

            if (!Land(receive))
            {
                return;
            }
        }
    }

    private void OnReceiveCompleted()
    {
        ValueTask<OwnedBuffer> receive = _pendingReceive;
        _pendingReceive = default;
        if (Land(receive))
        {
            Pump();
        }
    }

    /// <summary>Takes a completed receive's result; true when the pump should receive again.</summary>
    private bool Land(ValueTask<OwnedBuffer> receive)
    {
        OwnedBuffer buffer;
        try
        {
            buffer = receive.GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            OnReceived(null, ex);
            return false;
        }

        return OnReceived(buffer, null);
    }

    private bool OnReceived([TakesOwnership] OwnedBuffer? buffer, Exception? error)
    {
        if (error is not null || buffer!.Value.Length == 0)
        {
            buffer?.Dispose();
            if (ReceiveEnded is { } translate)
            {
                // The owner translates the error before any reader can observe it.
                error = translate(error);
            }

            return Deliver(null, error);
        }

        return Deliver(buffer, null);
    }

    /// <summary>Queues received data (or records the end of the stream) and wakes a waiting reader.</summary>
    private bool Deliver([TakesOwnership] OwnedBuffer? buffer, Exception? error)
    {
        bool again;
        bool complete = false;
        ReadResult result = default;
        Exception? readError = null;
        lock (_sync)
        {
            _receivePending = false;
            if (_readerCompleted)
            {
                buffer?.Dispose();
                return false;
            }

            if (buffer is { } received)
            {
                Append(received);
                if (_heldSlots > MaxHeldSlots && !_readInProgress)
                {
                    // The consumer is not taking what arrives: its backlog costs bytes, not ring slots.
                    CompactLocked();
                }
            }
            else if (error is not null)
            {
                _receiveError = error;
            }
            else
            {
                _endOfStream = true;
            }

            again = TryBeginReceiveLocked();
            if (_readWaiting)
            {
                try
                {
                    complete = TryGetResultLocked(out result);
                }
                catch (Exception ex)
                {
                    readError = ex;
                    complete = true;
                }

                _readWaiting = !complete;
            }
        }

        if (complete)
        {
            // The next receive (if any) is issued once the reader's continuation yields; multishot keeps the kernel side armed meanwhile.
            // The reader's code is the application's: on a ring thread it runs there only if the runtime was told it may.
            CompleteRead(result, readError, _inlineContinuations && (_runtimeInline || !_socket.OnEngineThread));
        }

        return again;
    }

    private void Append(OwnedBuffer buffer)
    {
        OwnedBufferSegment segment = _segmentPool.Count > 0 ? _segmentPool.Pop() : new OwnedBufferSegment();
        // Read before the segment owns the buffer.
        int length = buffer.Length;
        int capacity = buffer.Capacity;
        segment.Attach(buffer, _end);
        _end += length;
        if (_tail is null)
        {
            _head = _tail = segment;
            _headIndex = 0;
        }
        else
        {
            _tail.SetNext(segment);
            _tail = segment;
        }

        _heldSlots++;
        _heldSlotCapacity += capacity;
    }

    /// <summary>Gives a segment's slot (or array) back and keeps the segment for reuse.</summary>
    private void Recycle(OwnedBufferSegment segment)
    {
        if (segment.IsLease)
        {
            _heldSlots--;
            _heldSlotCapacity -= segment.Capacity;
        }

        segment.Release();
        _segmentPool.Push(segment);
    }

    /// <summary>
    /// Copies every unconsumed byte into one reader-owned array and returns the ring slots they sat in (caller holds
    /// the lock; never while a read is in progress, since the consumer's sequence points into these segments).
    /// Absolute positions are kept, so examined/consumed bookkeeping is unchanged.
    /// </summary>
    private void CompactLocked()
    {
        OwnedBufferSegment head = _head!;
        long start = head.RunningIndex + _headIndex;
        int pending = (int)(_end - start);
        OwnedBufferSegment target;
        OwnedBufferSegment? from;
        if (!head.IsLease && head.Spare >= pending - (head.Length - _headIndex))
        {
            // The head already is the reader's array with room: append the rest to it.
            target = head;
            from = (OwnedBufferSegment?)head.Next;
        }
        else
        {
            target = _segmentPool.Count > 0 ? _segmentPool.Pop() : new OwnedBufferSegment();
            target.AttachArray(ArrayPool<byte>.Shared.Rent(Math.Max(MinCompactionArray, pending * 2)), start);
            target.Append(head.Memory.Span[_headIndex..]);
            from = (OwnedBufferSegment?)head.Next;
            Recycle(head);
            _headIndex = 0;
        }

        while (from is not null)
        {
            var next = (OwnedBufferSegment?)from.Next;
            target.Append(from.Memory.Span);
            Recycle(from);
            from = next;
        }

        target.SetNext(null);
        _head = _tail = target;
        Interlocked.Increment(ref _compactions);
    }

    private void CancelWaitingRead()
    {
        CancellationToken token;
        lock (_sync)
        {
            token = _readToken;
            if (!_readWaiting || !token.IsCancellationRequested)
            {
                return;
            }

            _readWaiting = false;
        }

        CompleteRead(default, new OperationCanceledException(token), inline: false);
    }

    private void CompleteRead(ReadResult result, Exception? error, bool inline)
    {
        _readRegistration.Unregister();
        _readRegistration = default;
        _readCore.RunContinuationsAsynchronously = !inline;
        if (error is not null)
        {
            _readCore.SetException(error);
        }
        else
        {
            _readCore.SetResult(result);
        }
    }
}
