using System.Net.Sockets;
using BypassNet.Buffers;
using BypassNet.Diagnostics;
using BypassNet.Interop;
using BypassNet.Sockets;
using BypassNet.Ring;

namespace BypassNet.Engines.Uring;

/// <summary>
/// Send side of one socket: sends go out one at a time in the order they reached the ring (a short send's remainder
/// is resubmitted before the next send's bytes, as System.Net.Sockets guarantees too), each a pooled
/// <see cref="SendOperation"/>; zero-copy is used until the kernel reports it copied anyway, then plain SEND.
/// </summary>
/// <remarks>
/// A send from a thread other than a ring's, while the socket's ring sleeps and no other send of this socket is begun
/// and unfinished, first tries one non-blocking send(2) on that thread: the kernel usually takes it all, and then there
/// is no post to the ring, no eventfd wake-up, no completion and no thread hop back to the caller. Whatever it does not take goes through the ring
/// as the socket's next send, ahead of any send begun meanwhile, so bytes never overtake or interleave. Zero-copy sizes
/// always go through the ring.
/// </remarks>
internal sealed class UringSender
{
    /// <summary>Set in <see cref="_sends"/> while a thread sends directly: the ring starts no queued send meanwhile.</summary>
    private const int DirectSend = 1 << 30;

    private readonly UringConnection _connection;
    private readonly Queue<SendOperation> _queue = new();
    private SendOperation? _cached;
    private SendOperation? _head;
    private ResumeWork? _resume;
    private volatile bool _zeroCopyOff;

    // Sends begun and not finished, plus DirectSend while one goes out on its caller's thread. A direct send needs it at
    // zero, so it can never overtake a send the ring holds or has been posted.
    private int _sends;

    public UringSender(UringConnection connection) => _connection = connection;

    public ValueTask<int> SendAsync(OwnedBuffer buffer, CancellationToken cancellationToken)
    {
        // Ownership moves first, so the buffer is never leaked or reusable by the caller, whatever happens next.
        BufferLease lease = buffer.HandOff();
        if (_connection.IsClosingOrStopping || !_connection.IsConnectedForSend || cancellationToken.IsCancellationRequested)
        {
            lease.Release();
            _connection.ThrowIfUnusable();
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<int>(cancellationToken);
            }

            throw new SocketException((int)SocketError.NotConnected);
        }

        int direct = TrySendDirect(lease.Bytes);
        if (direct == lease.Length)
        {
            lease.Release();
            return new ValueTask<int>(direct);
        }

        // Not tried (direct < 0): an ordinary send. Tried: the rest goes through the ring as the next send.
        return Rent().Send(lease, Math.Max(direct, 0), continuesDirect: direct >= 0, cancellationToken);
    }

    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        _connection.ThrowIfUnusable();
        if (!_connection.IsConnectedForSend)
        {
            throw new SocketException((int)SocketError.NotConnected);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        int direct = buffer.IsEmpty ? -1 : TrySendDirect(buffer.Span);
        if (direct == buffer.Length)
        {
            return new ValueTask<int>(direct);
        }

        return Rent().Send(buffer, Math.Max(direct, 0), continuesDirect: direct >= 0, cancellationToken);
    }

    /// <summary>
    /// One non-blocking send(2) on the calling thread when no other send of this socket is begun and unfinished (see
    /// <see cref="SocketTransport.TrySendNow"/>): the bytes sent, or -1 when it was not tried or the kernel took nothing.
    /// </summary>
    public int TrySendNow(ReadOnlySpan<byte> data)
    {
        int sent = TrySendDirect(data);
        if (sent >= 0 && sent < data.Length)
        {
            // The caller sends the rest itself, as a new send: the turn goes back now.
            ReleaseDirect();
            if (sent > 0)
            {
                _connection.RecordSend(sent);
            }
        }

        return sent > 0 ? sent : -1;
    }

    /// <summary>Whether a send of <paramref name="length"/> owned bytes should go out as SEND_ZC.</summary>
    public bool UseZeroCopy(int length) =>
        !_zeroCopyOff && length >= _connection.Engine.Options.ZeroCopyThreshold && _connection.Engine.Capabilities.SendZeroCopy;

    /// <summary>A zero-copy notification; after the kernel copied one (loopback always does), plain SEND is cheaper from now on.</summary>
    public void OnZeroCopyNotification(bool copied)
    {
        EngineCounters statistics = _connection.Statistics;
        if (!copied)
        {
            statistics.Add(ref statistics.ZeroCopySends);
            return;
        }

        statistics.Add(ref statistics.ZeroCopyCopied);
        if (!_zeroCopyOff)
        {
            _zeroCopyOff = true;
            Log.ZeroCopyCopied(_connection.Engine.Logger, _connection.Fd);
        }
    }

    public void Return(SendOperation operation) => Interlocked.CompareExchange(ref _cached, operation, null);

    /// <summary>Counts a send that goes through the ring from its start (call before submitting it).</summary>
    public void OnSendBegun() => Interlocked.Increment(ref _sends);

    /// <summary>Counts a send as finished, once, at its final completion (or refusal).</summary>
    public void OnSendFinished() => Interlocked.Decrement(ref _sends);

    /// <summary>
    /// True when <paramref name="operation"/> may go now (ring thread); otherwise it is queued behind the active send.
    /// The rest of a direct send goes first: nothing else started while it was on the wire.
    /// </summary>
    public bool TryBeginSend(SendOperation operation)
    {
        if (operation.TakeDirectTurn())
        {
            _head = operation;
            Interlocked.Add(ref _sends, -DirectSend);
            return true;
        }

        if (ReferenceEquals(_head, operation))
        {
            return true;
        }

        if (_head is null && _queue.Count == 0 && (Volatile.Read(ref _sends) & DirectSend) == 0)
        {
            _head = operation;
            return true;
        }

        // Behind the active send, a direct send, or sends queued before (a resume is then on its way).
        _queue.Enqueue(operation);
        return false;
    }

    /// <summary>
    /// The rest of a direct send never became the active send (refused: canceled, closing, ring stopping): its turn
    /// ends here, and what queued behind it goes.
    /// </summary>
    public void AbandonDirectTurn(RingEventLoop loop)
    {
        Interlocked.Add(ref _sends, -DirectSend);
        StartQueued(loop);
    }

    /// <summary>The active send finished (ring thread): the next queued send goes.</summary>
    public void EndSend(SendOperation operation, RingEventLoop loop)
    {
        if (!ReferenceEquals(_head, operation))
        {
            return;
        }

        _head = null;
        if (_queue.TryDequeue(out SendOperation? next))
        {
            _head = next;
            loop.Submit(next);
        }
    }

    /// <summary>Takes a canceled send out of the queue before its turn (ring thread); false when it is not queued.</summary>
    public bool RemoveQueuedSend(SendOperation operation)
    {
        if (!_queue.Contains(operation))
        {
            return false;
        }

        // Rotate once through the queue, dropping the canceled send (no LINQ: this runs on cancel and close paths).
        for (int i = _queue.Count; i > 0; i--)
        {
            SendOperation queued = _queue.Dequeue();
            if (!ReferenceEquals(queued, operation))
            {
                _queue.Enqueue(queued);
            }
        }

        return true;
    }

    private SendOperation Rent() => Interlocked.Exchange(ref _cached, null) ?? new SendOperation(_connection, this);

    // Only on a quiet ring: asleep, and its wake-ups lately found little to do each. Then a post costs an eventfd write and a
    // wake-up for this one send, which one send(2) replaces. A busy ring batches posted sends with its other work into
    // one submit, which costs less CPU per send than a system call each (64-connection echo from the thread pool:
    // 9.1 against 12.2 us per round trip with every send direct).
    private bool CanSendDirect(int length) =>
        length > 0 && _connection.Loop.IsSleeping && _connection.Loop.CompletionsPerWake <= RingEventLoop.QuietBatch && !_connection.OnEngineThread
        && !_connection.IsClosingOrStopping && _connection.IsConnectedForSend && !UseZeroCopy(length);

    /// <summary>Claims the socket's send turn and sends what the kernel takes now: -1 when not tried, else the bytes sent (the turn is still held unless all went).</summary>
    private int TrySendDirect(ReadOnlySpan<byte> data)
    {
        if (!CanSendDirect(data.Length) || Interlocked.CompareExchange(ref _sends, DirectSend | 1, 0) != 0)
        {
            return -1;
        }

        int sent = Math.Max(SendClaimed(data), 0);
        if (sent == data.Length)
        {
            ReleaseDirect();
            _connection.RecordSend(sent);
        }

        // A part only: the ring's send of the rest counts the whole.
        return sent;
    }

    /// <summary>The send(2) itself (turn held): bytes sent, or -1 for would-block or an error, which the ring's send then reports.</summary>
    private int SendClaimed(ReadOnlySpan<byte> data) => Libc.TrySend(_connection.Socket.SafeHandle, data, out _);

    /// <summary>Gives back the turn a direct send claimed: if sends were begun meanwhile, the ring starts them in order.</summary>
    private void ReleaseDirect()
    {
        int remaining = Interlocked.Add(ref _sends, -(DirectSend | 1));
        if (remaining != 0)
        {
            _resume ??= new ResumeWork(this);
            _connection.Loop.Post(_resume, RingCommand.Custom);
        }
    }

    /// <summary>Starts the first queued send when no send is active and no direct send holds the turn.</summary>
    private void StartQueued(RingEventLoop loop)
    {
        if (_head is null && (Volatile.Read(ref _sends) & DirectSend) == 0 && _queue.TryDequeue(out SendOperation? next))
        {
            _head = next;
            loop.Submit(next);
        }
    }

    /// <summary>Posted when a direct send ends with sends queued behind it; a stopped ring refuses those in turn.</summary>
    private sealed class ResumeWork : RingWork, IRejectable
    {
        private readonly UringSender _sender;

        public ResumeWork(UringSender sender) => _sender = sender;

        public void Reject() => _sender.StartQueued(_sender._connection.Loop);

        internal override void Execute(RingEventLoop loop, RingCommand command) => _sender.StartQueued(loop);
    }
}
