using System.Net;
using System.Net.Sockets;
using BypassNet.Ring;
using BypassNet.Sockets;

namespace BypassNet.Engines.Uring;

/// <summary>
/// The io_uring data plane of one socket, composed of a <see cref="UringReceiver"/>, a <see cref="UringSender"/> and,
/// when used, a <see cref="UringAcceptor"/> and a <see cref="UringConnector"/>. It owns close: closing fails what is
/// pending, cancels everything on the descriptor, and the descriptor is closed only when the loop reports the last
/// operation released (<see cref="IRingResident.OnDrained"/>), so a descriptor number can never be reused while an SQE
/// still names it, and no buffer is released while the kernel may touch it.
/// </summary>
internal sealed class UringConnection : SocketTransport, IRingResident
{
    private readonly CloseWork _closeWork;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private UringAcceptor? _acceptor;
    private UringConnector? _connector;
    private volatile bool _closing;
    private volatile bool _connected;
    private int _finished;
    private int _closeStarted;

    public UringConnection(IoUringSocketEngine engine, RingContext ring, Socket socket, bool connected)
        : base(socket, engine.Statistics.ForRing(ring.Index))
    {
        Engine = engine;
        Ring = ring;
        Fd = (int)socket.Handle;
        _closeWork = new CloseWork(this);
        Receiver = new UringReceiver(this);
        Sender = new UringSender(this);
        _connected = connected;
        if (connected)
        {
            Receiver.Start();
        }
    }

    public override bool Connected => _connected && !_closing;

    public override int Available
    {
        get
        {
            ThrowIfUnusable();
            return Socket.Available + Receiver.QueuedBytes;
        }
    }

    public override bool OnEngineThread => RingEventLoop.Current is not null;

    internal int Fd { get; }

    internal RingContext Ring { get; }

    internal RingEventLoop Loop => Ring.Loop;

    internal IoUringSocketEngine Engine { get; }

    internal UringReceiver Receiver { get; }

    internal UringSender Sender { get; }

    internal bool IsConnectedForSend => _connected;

    /// <summary>True once the socket is closing or its ring is stopping: nothing may be (re)submitted any more.</summary>
    internal bool IsClosingOrStopping => _closing || Ring.Loop.IsStopping;

    internal bool RunContinuationsAsynchronously => !(Engine.Options.InlineContinuations || InlineCompletions);

    public RingResidency Residency { get; } = new();

    bool IRingResident.IsClosing => _closing;

    protected override bool ReportsClose => IsClosingOrStopping;

    public override ValueTask<Socket> AcceptAsync(CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        UringAcceptor acceptor = Volatile.Read(ref _acceptor) ?? Interlocked.CompareExchange(ref _acceptor, new UringAcceptor(this), null) ?? _acceptor!;
        return acceptor.AcceptAsync(cancellationToken);
    }

    // A multishot accept takes connections off the backlog before AcceptAsync asks for them.
    public override bool HasPendingAccept => Volatile.Read(ref _acceptor) is { HasAccepted: true } || base.HasPendingAccept;

    public override ValueTask ConnectAsync(EndPoint remoteEndPoint, CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        if (_connected)
        {
            throw new SocketException((int)SocketError.IsConnected);
        }

        _connector ??= new UringConnector(this);
        return _connector.ConnectAsync(remoteEndPoint, cancellationToken);
    }

    public override ValueTask<int> SendAsync(OwnedBuffer buffer, CancellationToken cancellationToken) => Sender.SendAsync(buffer, cancellationToken);

    public override ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, SocketFlags socketFlags, CancellationToken cancellationToken)
    {
        ValidateFlags(socketFlags, receive: false);
        return Sender.SendAsync(buffer, cancellationToken);
    }

    public override ValueTask<OwnedBuffer> ReceiveAsync(CancellationToken cancellationToken) => Receiver.ReceiveAsync(cancellationToken);

    // When a direct send pays off (a quiet ring, no send of this socket unfinished) is the sender's decision.
    public override int TrySendNow(ReadOnlySpan<byte> data) => Sender.TrySendNow(data);

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, SocketFlags socketFlags, CancellationToken cancellationToken)
    {
        ValidateFlags(socketFlags, receive: true);
        return Receiver.ReceiveAsync(buffer, (socketFlags & SocketFlags.Peek) != 0, cancellationToken);
    }

    public override void MarkClosing()
    {
        lock (_closeWork)
        {
            if (_closing)
            {
                return;
            }

            _closing = true;
        }

        _connected = false;
        Receiver.OnClosing(Disposed("a receive"));
        Volatile.Read(ref _acceptor)?.OnClosing(Disposed("an accept"));
    }

    public override void Close()
    {
        MarkClosing();
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0)
        {
            if (Loop.IsStopped)
            {
                // The ring drained every operation: nothing can still name the descriptor.
                FinishClose();
            }

            return;
        }

        if (Loop.IsStopped)
        {
            // The ring is gone: every operation it had was completed by its drain.
            FinishClose();
        }
        else
        {
            Loop.Execute(_closeWork, RingCommand.Custom);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        Close();
        await _closed.Task.ConfigureAwait(false);
    }

    /// <summary>The connect succeeded: the control-plane socket is the one over the connected descriptor; receiving starts.</summary>
    internal void OnConnected(Socket connected)
    {
        Socket = connected;
        _connected = true;
        Receiver.Start();
    }

    /// <summary>The runtime was disposed (or the ring failed) under this socket: waiters fail, later calls throw, nothing hangs.</summary>
    internal void OnRingStopped()
    {
        Exception error = StoppedError();
        Receiver.OnRingStopped(error);
        Volatile.Read(ref _acceptor)?.Fail(error);
    }

    internal void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_closing, this);
        if (Loop.IsStopping)
        {
            throw StoppedError();
        }
    }

    /// <summary>Why this socket's ring no longer runs: its failure (naming the cause), or the runtime's disposal.</summary>
    private Exception StoppedError() => Loop.Failure is { } failure
        ? failure.Copy()
        : new ObjectDisposedException(nameof(BypassRuntime), "The BypassNet runtime under this socket was disposed.");

    void IRingResident.OnDrained() => FinishClose();

    private void CloseOnRing(RingEventLoop loop)
    {
        if (Residency.InFlight == 0)
        {
            FinishClose();
            return;
        }

        // One request cancels everything on this descriptor (CANCEL_FD|ALL: the engine runs only where the kernel has it).
        Sqe.CancelFd(ref loop.SubmitUntracked(), Fd, RingEventLoop.InternalUserData);
    }

    private void FinishClose()
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

        Receiver.ReleaseQueued();
        Volatile.Read(ref _acceptor)?.CloseQueued();
        Socket.Dispose();
        Engine.Forget(this);
        _closed.TrySetResult();
    }

    /// <summary>
    /// Posted to the ring by <see cref="Close"/>. Rejected when the ring stopped before running it: the ring then submits
    /// nothing any more and its operations were drained or failed, so no SQE can still name the descriptor, and the
    /// descriptor is closed here instead — a dead ring never strands a close.
    /// </summary>
    private sealed class CloseWork : RingWork, IRejectable
    {
        private readonly UringConnection _connection;

        public CloseWork(UringConnection connection) => _connection = connection;

        internal override void Execute(RingEventLoop loop, RingCommand command) => _connection.CloseOnRing(loop);

        public void Reject() => _connection.FinishClose();
    }
}
