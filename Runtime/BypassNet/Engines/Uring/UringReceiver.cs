// Over 300 lines on purpose: the queue, the two waiter kinds (owned and copy) and the pause decision share one lock;
// split across types, that lock would have to cross them.
using System.Threading.Tasks.Sources;
using BypassNet.Buffers;
using BypassNet.Ring;
using BypassNet.Sockets;

namespace BypassNet.Engines.Uring;

/// <summary>
/// Receive side of one socket: its one multishot RECV fills provided-ring slots; completed chunks wait in a
/// <see cref="ReceiveQueue"/> until the application takes them, as owned buffers (no copy) or copied into its memory
/// (drop-in path, with peek). One receive waits at a time. On every completion (<see cref="OnData"/>) the socket
/// checks its share: past <see cref="BackpressurePolicy.MaxHeldSlotsPerSocket"/> slots, or on a ring running low, its
/// queued data is compacted (copied into memory of its own) and the slots go back at once; at
/// <see cref="BackpressurePolicy.MaxUnreadBytesPerSocket"/> unread bytes its receive pauses, and TCP flow control then
/// holds the rest in the kernel for that peer alone.
/// </summary>
internal sealed class UringReceiver : IValueTaskSource<OwnedBuffer>, IValueTaskSource<int>
{
    private static readonly Action<object?> s_cancel = static state => ((UringReceiver)state!).CancelPending();

    private readonly UringConnection _connection;
    private readonly MultishotReceiveOperation _operation;
    private readonly ReceiveQueue _queue;
    private readonly BackpressurePolicy _backpressure;
    private readonly Lock _gate = new();
    private readonly CancelableWait _cancellation;
    private bool _closed;
    private bool _eof;
    private int _errno;
    private Exception? _failure;
    private bool _paused;
    private ReceiveWait _waiting;
    private Memory<byte> _copyTarget;
    private bool _copyPeek;
    private CancellationToken _token;
    private ManualResetValueTaskSourceCore<OwnedBuffer> _ownedCore;
    private ManualResetValueTaskSourceCore<int> _copyCore;

    public UringReceiver(UringConnection connection)
    {
        _connection = connection;
        _operation = new MultishotReceiveOperation(connection, this);
        _queue = new ReceiveQueue(connection.Ring.ReceiveRing);
        _backpressure = connection.Engine.Backpressure;
        _cancellation = new CancelableWait(s_cancel, this);
    }

    private enum ReceiveWait
    {
        None,
        Owned,
        Copy,
    }

    public int QueuedBytes => _queue.QueuedBytes;

    /// <summary>Ring slots held for unread data (a figure; exact only under the lock).</summary>
    public int HeldSlots => _queue.HeldSlots;

    /// <summary>In its ring's starved queue (ring thread only).</summary>
    public bool InStarvedQueue { get; set; }

    /// <summary>In its ring's queue of slot holders (ring thread only).</summary>
    public bool InHolderQueue { get; set; }

    /// <summary>Whether the multishot receive should stay paused (the application is behind).</summary>
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

    /// <summary>Arms the multishot receive once the socket has a peer.</summary>
    public void Start() => _connection.Loop.Execute(_operation, RingCommand.Submit);

    /// <summary>Re-arms the multishot receive on the ring thread (after starvation); false when it did not enter the ring (closing, paused).</summary>
    public bool Arm(RingEventLoop loop) => loop.Submit(_operation);

    /// <summary>Copies what this socket holds in ring slots into its own memory and returns the slots (ring thread).</summary>
    public void CompactHeld()
    {
        lock (_gate)
        {
            CompactLocked();
        }
    }

    /// <summary>Cancels the multishot receive (ring thread, closing).</summary>
    public void Cancel(RingEventLoop loop) => loop.Cancel(_operation);

    public ValueTask<OwnedBuffer> ReceiveAsync(CancellationToken cancellationToken)
    {
        short version;
        long wait;
        lock (_gate)
        {
            if (!TryBeginLocked(cancellationToken, out Exception? failure, out bool ended))
            {
                return new ValueTask<OwnedBuffer>(DequeueLocked());
            }

            if (failure is not null)
            {
                return ValueTask.FromException<OwnedBuffer>(failure);
            }

            if (ended)
            {
                return new ValueTask<OwnedBuffer>(OwnedBuffer.CreateEmpty());
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<OwnedBuffer>(cancellationToken);
            }

            _ownedCore.Reset();
            _ownedCore.RunContinuationsAsynchronously = _connection.RunContinuationsAsynchronously;
            _waiting = ReceiveWait.Owned;
            _token = cancellationToken;
            version = _ownedCore.Version;
            wait = _cancellation.Begin(cancellationToken);
        }

        _cancellation.Register(wait, cancellationToken);
        return new ValueTask<OwnedBuffer>(this, version);
    }

    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, bool peek, CancellationToken cancellationToken)
    {
        short version;
        long wait;
        lock (_gate)
        {
            if (!TryBeginLocked(cancellationToken, out Exception? failure, out bool ended))
            {
                return new ValueTask<int>(CopyOutLocked(buffer.Span, peek));
            }

            if (failure is not null)
            {
                return ValueTask.FromException<int>(failure);
            }

            if (ended)
            {
                return new ValueTask<int>(0);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<int>(cancellationToken);
            }

            _copyCore.Reset();
            _copyCore.RunContinuationsAsynchronously = _connection.RunContinuationsAsynchronously;
            _waiting = ReceiveWait.Copy;
            _copyTarget = buffer;
            _copyPeek = peek;
            _token = cancellationToken;
            version = _copyCore.Version;
            wait = _cancellation.Begin(cancellationToken);
        }

        _cancellation.Register(wait, cancellationToken);
        return new ValueTask<int>(this, version);
    }

    /// <summary>A chunk arrived in slot <paramref name="bid"/> (ring thread; the slot is already taken off the ring).</summary>
    public void OnData(ProvidedBufferRing ring, int bid, int length)
    {
        ReceiveWait waiting;
        OwnedBuffer? lease = null;
        int copied = 0;
        bool pause = false;
        bool holding;
        lock (_gate)
        {
            if (_closed || _failure is not null)
            {
                // Closed before the data arrived: the slot goes straight back to the ring.
                ring.Return(bid);
                return;
            }

            _queue.Enqueue(bid, length);
            waiting = TakeWaiterLocked(out Memory<byte> target, out bool peek);
            if (waiting == ReceiveWait.Owned)
            {
                lease = DequeueLocked();
            }
            else if (waiting == ReceiveWait.Copy)
            {
                copied = CopyOutLocked(target.Span, peek);
            }

            // Checked on every completion, F_MORE or not: the cancel below is asynchronous and more chunks may land
            // before it does, so the slot bound is kept by copying out, not by the pause.
            if (_backpressure.ShouldCompact(_queue.HeldSlots, ring.Available, ring.Count))
            {
                CompactLocked();
            }

            if (!_paused && _backpressure.ShouldPauseReceive(_queue.QueuedBytes))
            {
                // The application is behind: stop receiving, so TCP pushes back on this peer alone.
                _paused = pause = true;
                _connection.Statistics.Add(ref _connection.Statistics.ReceivePauses);
            }

            holding = _queue.HeldSlots > 0;
        }

        if (holding)
        {
            _connection.Ring.AddHolder(this);
        }

        if (pause)
        {
            _connection.Loop.Cancel(_operation);
        }

        Complete(waiting, lease, copied, null);
    }

    public void OnEndOfStream()
    {
        ReceiveWait waiting;
        lock (_gate)
        {
            _eof = true;
            waiting = TakeWaiterLocked(out _, out _);
        }

        Complete(waiting, waiting == ReceiveWait.Owned ? OwnedBuffer.CreateEmpty() : null, 0, null);
    }

    public void OnError(int errno)
    {
        ReceiveWait waiting;
        lock (_gate)
        {
            waiting = TakeWaiterLocked(out _, out _);
            // As recv(2) does: the error is reported once, by the receive waiting now or else the next one; after it
            // the connection reads as ended (0), as it does on System.Net.Sockets.
            if (waiting == ReceiveWait.None || errno == Interop.Libc.ECANCELED)
            {
                _errno = errno;
            }
            else
            {
                _eof = true;
            }
        }

        Complete(waiting, null, 0, SocketErrors.Exception(errno));
    }

    /// <summary>Poisoning found a slot written after return (ring thread): this and every later receive fail with it.</summary>
    public void OnCorrupted(Exception error)
    {
        lock (_gate)
        {
            _failure ??= error;
        }

        Fail(error);
    }

    /// <summary>The ring stopped under the socket: receiving has ended, the waiter fails with <paramref name="error"/>.</summary>
    public void OnRingStopped(Exception error)
    {
        lock (_gate)
        {
            if (_errno == 0 && !_eof)
            {
                _errno = Interop.Libc.ECANCELED;
            }
        }

        Fail(error);
    }

    /// <summary>The socket is closing: the waiter fails with <paramref name="error"/>; data arriving later goes straight back.</summary>
    public void OnClosing(Exception error)
    {
        lock (_gate)
        {
            _closed = true;
        }

        Fail(error);
    }

    /// <summary>Gives every queued slot back to the ring (the descriptor is closing).</summary>
    public void ReleaseQueued()
    {
        lock (_gate)
        {
            _queue.ReleaseAll();
        }
    }

    OwnedBuffer IValueTaskSource<OwnedBuffer>.GetResult(short token) => _ownedCore.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<OwnedBuffer>.GetStatus(short token) => _ownedCore.GetStatus(token);

    void IValueTaskSource<OwnedBuffer>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _ownedCore.OnCompleted(continuation, state, token, flags);

    int IValueTaskSource<int>.GetResult(short token) => _copyCore.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _copyCore.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _copyCore.OnCompleted(continuation, state, token, flags);

    /// <summary>
    /// The checks every receive makes before it waits. False when queued data can be returned at once; otherwise
    /// <paramref name="failure"/> or <paramref name="ended"/> say whether it completes without waiting.
    /// </summary>
    private bool TryBeginLocked(CancellationToken cancellationToken, out Exception? failure, out bool ended)
    {
        _connection.ThrowIfUnusable();
        if (_waiting != ReceiveWait.None)
        {
            throw new InvalidOperationException("A receive is already pending on this socket; await it before starting another.");
        }

        failure = null;
        ended = false;
        if (!_queue.IsEmpty)
        {
            return false;
        }

        if (_errno != 0)
        {
            int errno = _errno;
            if (errno != Interop.Libc.ECANCELED)
            {
                // Reported once (see OnError); a stopped ring (ECANCELED) fails every receive.
                _errno = 0;
                _eof = true;
            }

            throw SocketErrors.Exception(errno);
        }

        failure = _failure;
        ended = _eof;
        return true;
    }

    private ReceiveWait TakeWaiterLocked(out Memory<byte> target, out bool peek)
    {
        ReceiveWait waiting = _waiting;
        target = _copyTarget;
        peek = _copyPeek;
        _waiting = ReceiveWait.None;
        _copyTarget = default;
        return waiting;
    }

    private OwnedBuffer DequeueLocked()
    {
        ProvidedBufferRing ring = _connection.Ring.ReceiveRing;
        if (_queue.HeldSlots > 0 && _backpressure.ShouldCopyBeforeLease(ring.Available, ring.Count))
        {
            // On a ring running low, a lease the application may hold for long (a blocked send, an unconsumed pipe
            // segment) must not keep a slot: hand out a lease over compacted memory instead.
            CompactLocked();
        }

        OwnedBuffer lease = _queue.DequeueLease(out int bytes);
        _connection.RecordReceive(bytes);
        ResumeIfDrainedLocked();
        return lease;
    }

    private int CopyOutLocked(Span<byte> destination, bool peek)
    {
        int copied = _queue.CopyOut(destination, peek);
        if (!peek)
        {
            _connection.RecordReceive(copied);
            ResumeIfDrainedLocked();
        }

        return copied;
    }

    private void ResumeIfDrainedLocked()
    {
        if (_paused && _backpressure.ShouldResumeReceive(_queue.QueuedBytes))
        {
            _paused = false;
            _connection.Loop.Execute(_operation, RingCommand.Submit);
        }
    }

    private void CompactLocked()
    {
        if (_closed || _queue.HeldSlots == 0)
        {
            return;
        }

        int bytes = _queue.Compact();
        _connection.Statistics.Add(ref _connection.Statistics.Compactions);
        _connection.Statistics.Add(ref _connection.Statistics.CompactedBytes, bytes);
    }

    private void Fail(Exception error)
    {
        ReceiveWait waiting;
        lock (_gate)
        {
            waiting = TakeWaiterLocked(out _, out _);
        }

        Complete(waiting, null, 0, error);
    }

    private void Complete(ReceiveWait waiting, [TakesOwnership] OwnedBuffer? lease, int copied, Exception? error)
    {
        if (waiting == ReceiveWait.None)
        {
            return;
        }

        _cancellation.End();
        if (waiting == ReceiveWait.Owned)
        {
            if (error is not null)
            {
                _ownedCore.SetException(error);
            }
            else
            {
                _ownedCore.SetResult(lease!.Value);
            }
        }
        else if (error is not null)
        {
            _copyCore.SetException(error);
        }
        else
        {
            _copyCore.SetResult(copied);
        }
    }

    private void CancelPending()
    {
        ReceiveWait waiting;
        CancellationToken token;
        lock (_gate)
        {
            token = _token;
            if (!token.IsCancellationRequested)
            {
                return;
            }

            waiting = TakeWaiterLocked(out _, out _);
        }

        // Only the wait is cancelled: the multishot receive keeps running and queued data stays for the next receive.
        Complete(waiting, null, 0, new OperationCanceledException(token));
    }
}
