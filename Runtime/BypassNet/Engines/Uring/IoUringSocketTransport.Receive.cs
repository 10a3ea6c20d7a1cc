using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using BypassNet.Buffers;
using BypassNet.Ring;
using BypassNet.Sockets;

namespace BypassNet.Engines.Uring;

/// <summary>
/// Receive side: one multishot RECV per socket fills provided-ring slots; completed chunks queue here until the
/// application takes them, as owned buffers (no copy) or copied into its memory (drop-in path).
/// A socket that queues too much pauses its receive (TCP flow control then holds the data in the kernel).
/// </summary>
internal sealed partial class IoUringSocketTransport : IValueTaskSource<OwnedBuffer>, IValueTaskSource<int>
{
    private static readonly Action<object?> s_cancelReceive = static state => ((IoUringSocketTransport)state!).CancelPendingReceive();

    private readonly bool _multishot;
    private readonly MultishotReceiveOperation _recvOp;
    private readonly Queue<ReceivedChunk> _chunks = new();
    private SingleReceiveOperation? _singleRecv;
    private int _queuedBytes;
    private int _headOffset;
    private bool _eof;
    private int _receiveErrno;
    private Exception? _receiveFailure;
    private bool _receivePaused;
    private ReceiveWait _waiting;
    private Memory<byte> _copyTarget;
    private bool _copyPeek;
    private CancellationToken _receiveToken;
    private CancellationTokenRegistration _receiveRegistration;
    private ManualResetValueTaskSourceCore<OwnedBuffer> _ownedCore;
    private ManualResetValueTaskSourceCore<int> _copyCore;

    private enum ReceiveWait
    {
        None,
        Owned,
        Copy,
    }

    public override ValueTask<OwnedBuffer> ReceiveAsync(CancellationToken cancellationToken)
    {
        if (!_multishot)
        {
            return ReceiveOwnedSingleShotAsync(cancellationToken);
        }

        short version;
        lock (_gate)
        {
            ThrowIfUnusable();
            ThrowIfReceivePending();
            if (_chunks.Count > 0)
            {
                return new ValueTask<OwnedBuffer>(DequeueLease());
            }

            if (_receiveErrno != 0)
            {
                throw SocketErrors.Exception(_receiveErrno);
            }

            if (_receiveFailure is not null)
            {
                return ValueTask.FromException<OwnedBuffer>(_receiveFailure);
            }

            if (_eof)
            {
                return new ValueTask<OwnedBuffer>(OwnedBuffer.CreateEmpty());
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<OwnedBuffer>(cancellationToken);
            }

            _ownedCore.Reset();
            _ownedCore.RunContinuationsAsynchronously = RunContinuationsAsynchronously;
            _waiting = ReceiveWait.Owned;
            _receiveToken = cancellationToken;
            version = _ownedCore.Version;
        }

        RegisterReceiveCancellation(cancellationToken);
        return new ValueTask<OwnedBuffer>(this, version);
    }

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, SocketFlags socketFlags, CancellationToken cancellationToken)
    {
        ValidateFlags(socketFlags, receive: true);
        bool peek = (socketFlags & SocketFlags.Peek) != 0;
        if (!_multishot)
        {
            return ReceiveSingleShotAsync(buffer, peek, cancellationToken);
        }

        short version;
        lock (_gate)
        {
            ThrowIfUnusable();
            ThrowIfReceivePending();
            if (_chunks.Count > 0)
            {
                return new ValueTask<int>(CopyOut(buffer.Span, peek));
            }

            if (_receiveErrno != 0)
            {
                throw SocketErrors.Exception(_receiveErrno);
            }

            if (_receiveFailure is not null)
            {
                return ValueTask.FromException<int>(_receiveFailure);
            }

            if (_eof)
            {
                return new ValueTask<int>(0);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<int>(cancellationToken);
            }

            _copyCore.Reset();
            _copyCore.RunContinuationsAsynchronously = RunContinuationsAsynchronously;
            _waiting = ReceiveWait.Copy;
            _copyTarget = buffer;
            _copyPeek = peek;
            _receiveToken = cancellationToken;
            version = _copyCore.Version;
        }

        RegisterReceiveCancellation(cancellationToken);
        return new ValueTask<int>(this, version);
    }

    /// <summary>Arms (or re-arms) the multishot receive on the ring thread.</summary>
    internal void ArmReceive(RingEventLoop loop)
    {
        if (!IsClosing && !_recvOp.InFlight)
        {
            _recvOp.Start(loop);
        }
    }

    /// <summary>A chunk arrived in slot <paramref name="bid"/> (ring thread; the slot is already taken off the ring).</summary>
    internal void OnData(ProvidedBufferRing ring, int bid, int length)
    {
        ReceiveWait waiting;
        OwnedBuffer? lease = null;
        int copied = 0;
        bool pause = false;
        lock (_gate)
        {
            if (_closing || _receiveFailure is not null)
            {
                // Closed before the data arrived: the slot goes straight back to the ring.
                ring.Return(bid);
                return;
            }

            _chunks.Enqueue(new ReceivedChunk(bid, length));
            _queuedBytes += length;
            waiting = TakeWaiterLocked(out Memory<byte> target, out bool peek);
            if (waiting == ReceiveWait.Owned)
            {
                lease = DequeueLease();
            }
            else if (waiting == ReceiveWait.Copy)
            {
                copied = CopyOut(target.Span, peek);
            }
            else if (!_receivePaused && _chunks.Count >= _engine.MaxQueuedChunksPerSocket)
            {
                // Nobody is reading: stop taking ring slots that other sockets need.
                _receivePaused = pause = true;
            }
        }

        if (pause)
        {
            _ring.Loop.Cancel(_recvOp);
        }

        CompleteReceive(waiting, lease, copied, null);
    }

    internal void OnEndOfStream()
    {
        ReceiveWait waiting;
        lock (_gate)
        {
            _eof = true;
            waiting = TakeWaiterLocked(out _, out _);
        }

        CompleteReceive(waiting, waiting == ReceiveWait.Owned ? OwnedBuffer.CreateEmpty() : null, 0, null);
    }

    internal void OnReceiveError(int errno)
    {
        ReceiveWait waiting;
        lock (_gate)
        {
            _receiveErrno = errno;
            waiting = TakeWaiterLocked(out _, out _);
        }

        CompleteReceive(waiting, null, 0, SocketErrors.Exception(errno));
    }

    /// <summary>Poisoning found a slot written after return (ring thread): this and every later receive fail with it.</summary>
    internal void OnReceiveCorrupted(Exception error)
    {
        ReceiveWait waiting;
        lock (_gate)
        {
            _receiveFailure ??= error;
            waiting = TakeWaiterLocked(out _, out _);
        }

        CompleteReceive(waiting, null, 0, error);
    }

    /// <summary>Whether the multishot receive should stay paused (the application is behind).</summary>
    internal bool ReceivePaused
    {
        get
        {
            lock (_gate)
            {
                return _receivePaused;
            }
        }
    }

    /// <summary>True once end-of-stream or an error ended receiving for good.</summary>
    internal bool ReceiveEnded
    {
        get
        {
            lock (_gate)
            {
                return _eof || _receiveErrno != 0;
            }
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

    private ReceiveWait TakeWaiterLocked(out Memory<byte> target, out bool peek)
    {
        ReceiveWait waiting = _waiting;
        target = _copyTarget;
        peek = _copyPeek;
        _waiting = ReceiveWait.None;
        _copyTarget = default;
        return waiting;
    }

    private void CompleteReceive(ReceiveWait waiting, [TakesOwnership] OwnedBuffer? lease, int copied, Exception? error)
    {
        if (waiting == ReceiveWait.None)
        {
            return;
        }

        _receiveRegistration.Unregister();
        if (waiting == ReceiveWait.Owned)
        {
            if (error is not null)
            {
                _ownedCore.SetException(error);
            }
            else
            {
                _ownedCore.SetResult(lease!);
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

    private void FailPendingReceive(Exception error)
    {
        ReceiveWait waiting;
        lock (_gate)
        {
            waiting = TakeWaiterLocked(out _, out _);
        }

        CompleteReceive(waiting, null, 0, error);
    }

    private void CancelPendingReceive()
    {
        ReceiveWait waiting;
        CancellationToken token;
        lock (_gate)
        {
            token = _receiveToken;
            if (!token.IsCancellationRequested)
            {
                return;
            }

            waiting = TakeWaiterLocked(out _, out _);
        }

        // Only the wait is cancelled: the multishot receive keeps running and queued data stays for the next receive.
        CompleteReceive(waiting, null, 0, new OperationCanceledException(token));
    }

    private void RegisterReceiveCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _receiveRegistration = cancellationToken.UnsafeRegister(s_cancelReceive, this);
        }
    }

    private void ThrowIfReceivePending()
    {
        if (_waiting != ReceiveWait.None)
        {
            throw new InvalidOperationException("A receive is already pending on this socket; await it before starting another.");
        }
    }

    private OwnedBuffer DequeueLease()
    {
        ReceivedChunk chunk = _chunks.Dequeue();
        int offset = _headOffset;
        int remaining = chunk.Length - offset;
        _headOffset = 0;
        _queuedBytes -= remaining;
        _engine.Statistics.Add(ref _engine.Statistics.Receives);
        _engine.Statistics.Add(ref _engine.Statistics.BytesReceived, remaining);
        ResumeIfDrainedLocked();
        return _ring.ReceiveRing!.Lease(chunk.Bid, offset, remaining);
    }

    private int CopyOut(Span<byte> destination, bool peek)
    {
        ProvidedBufferRing ring = _ring.ReceiveRing!;
        int copied = 0;
        int offset = _headOffset;
        foreach (ReceivedChunk chunk in _chunks)
        {
            if (copied == destination.Length)
            {
                break;
            }

            int n = Math.Min(chunk.Length - offset, destination.Length - copied);
            ring.Bytes(chunk.Bid, offset, n).CopyTo(destination[copied..]);
            copied += n;
            offset = 0;
        }

        if (peek)
        {
            return copied;
        }

        // Consume what was copied: whole chunks go back to the ring, a partly read one stays at the head.
        int left = copied;
        while (left > 0)
        {
            ReceivedChunk head = _chunks.Peek();
            int remaining = head.Length - _headOffset;
            if (left >= remaining)
            {
                _chunks.Dequeue();
                ring.Return(head.Bid);
                _headOffset = 0;
                left -= remaining;
            }
            else
            {
                _headOffset += left;
                left = 0;
            }
        }

        _queuedBytes -= copied;
        _engine.Statistics.Add(ref _engine.Statistics.Receives);
        _engine.Statistics.Add(ref _engine.Statistics.BytesReceived, copied);
        ResumeIfDrainedLocked();
        return copied;
    }

    private void ResumeIfDrainedLocked()
    {
        if (_receivePaused && _chunks.Count <= _engine.MaxQueuedChunksPerSocket / 2)
        {
            _receivePaused = false;
            _ring.Loop.Execute(_recvOp, RingCommand.Submit);
        }
    }

    private void ReleaseQueuedChunks()
    {
        lock (_gate)
        {
            while (_chunks.Count > 0)
            {
                _ring.ReceiveRing!.Return(_chunks.Dequeue().Bid);
            }

            _queuedBytes = 0;
            _headOffset = 0;
        }
    }

    private async ValueTask<OwnedBuffer> ReceiveOwnedSingleShotAsync(CancellationToken cancellationToken)
    {
        // Degraded path (no buffer rings): receive into a pool buffer; waiting for one is the backpressure.
        OwnedBuffer buffer = await _engine.Buffers.RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            buffer.Length = await ReceiveSingleShotAsync(buffer.Memory, peek: false, cancellationToken).ConfigureAwait(false);
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    private ValueTask<int> ReceiveSingleShotAsync(Memory<byte> buffer, bool peek, CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        SingleReceiveOperation operation = _singleRecv ??= new SingleReceiveOperation(this);
        return operation.Receive(buffer, peek, cancellationToken);
    }
}
