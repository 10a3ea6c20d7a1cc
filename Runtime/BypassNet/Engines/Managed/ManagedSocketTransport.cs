using System.Net;
using System.Net.Sockets;
using BypassNet.Buffers;
using BypassNet.Diagnostics;
using BypassNet.Sockets;

namespace BypassNet.Engines.Managed;

/// <summary>Data plane over System.Net.Sockets. Errors are reported the way the io_uring transport reports them.</summary>
internal sealed class ManagedSocketTransport : SocketTransport
{
    private readonly ManagedSocketEngine _engine;
    private bool _acceptExhausted;
    private readonly BufferPool _receivePool;
    private volatile bool _closed;

    // One send at a time on the socket. System.Net.Sockets lets concurrent sends on one stream socket interleave (a
    // partly taken send's rest can go out after another call's bytes: seen under load), and BypassSocket promises, on
    // both engines, that each send's bytes arrive whole and in the order the sends began.
    private readonly SemaphoreSlim _sendTurn = new(1, 1);

    public ManagedSocketTransport(ManagedSocketEngine engine, Socket socket, BufferPool receivePool)
        : base(socket, engine.Statistics.ForNextSocket())
    {
        _engine = engine;
        _receivePool = receivePool;
    }

    public override bool Connected => !_closed && Socket.Connected;

    public override int Available => Socket.Available;

    public override bool OnEngineThread => false;

    protected override bool ReportsClose => _closed;

    public override async ValueTask<Socket> AcceptAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                Socket accepted = await Socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
                RecordAccept();
                if (_acceptExhausted)
                {
                    _acceptExhausted = false;
                    Log.AcceptResumed(_engine.Logger, (int)Socket.Handle);
                }

                return accepted;
            }
            catch (SocketException ex) when (_closed && ex.SocketErrorCode == SocketError.OperationAborted)
            {
                throw Disposed("an accept");
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TooManyOpenSockets && !_closed)
            {
                // Out of descriptors (EMFILE/ENFILE) is load, as on io_uring: the connection stays in the backlog and
                // the accept waits (a timer, no descriptor, no thread) and tries again. Logged once per episode.
                if (!_acceptExhausted)
                {
                    _acceptExhausted = true;
                    Log.AcceptBackingOff(_engine.Logger, (int)Socket.Handle, "EMFILE/ENFILE", (int)ExhaustedAcceptBackoff.TotalMilliseconds);
                }
            }

            await Task.Delay(ExhaustedAcceptBackoff, cancellationToken).ConfigureAwait(false);
        }
    }

    public override async ValueTask ConnectAsync(EndPoint remoteEndPoint, CancellationToken cancellationToken)
    {
        await Socket.ConnectAsync(remoteEndPoint, cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask<int> SendAsync(OwnedBuffer buffer, CancellationToken cancellationToken)
    {
        BufferLease lease = buffer.HandOff();
        try
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            // The drop-in send: the same turn, error mapping and count as caller memory.
            return await SendAsync(new NativeMemoryManager(lease).Memory, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // The socket engine copies into the kernel during the call, so the buffer is free once it returns.
            lease.Release();
        }
    }

    public override async ValueTask<OwnedBuffer> ReceiveAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        // Wait for data (or end of stream) before taking a buffer, as io_uring does: the kernel picks a ring slot only
        // when data arrives. Otherwise every idle connection would pin a receive buffer, and a few idle ones could
        // starve every busy connection of the pool.
        await Guard(Socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken)).ConfigureAwait(false);
        // Closing (or the runtime's dispose, which closes the peer too) may end the wait as an end of stream: the
        // close is the cause, as on io_uring, so the caller never mistakes its own close for the peer's.
        ThrowIfClosed();
        OwnedBuffer buffer = RentReceiveBuffer();
        try
        {
            int received = await Guard(Socket.ReceiveAsync(buffer.LeaseMemory, SocketFlags.None, cancellationToken)).ConfigureAwait(false);
            ThrowIfClosed();
            buffer.Length = received;
            RecordReceive(received);
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A pool buffer while the pool has plenty; on a pool running low (leases applications hold, like the io_uring
    /// engine's low ring) memory of this receive's own, so no connection waits because others hold buffers.
    /// </summary>
    private OwnedBuffer RentReceiveBuffer()
    {
        if (!_engine.Backpressure.ShouldCopyBeforeLease(_receivePool.Available, _receivePool.Count) && _receivePool.TryRent(out OwnedBuffer pooled))
        {
            return pooled;
        }

        Statistics.Add(ref Statistics.Compactions);
        return new CompactionBlock(_receivePool.BufferSize).LeaseForReceive();
    }

    public override ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, SocketFlags socketFlags, CancellationToken cancellationToken)
    {
        ValidateFlags(socketFlags, receive: false);
        if (!_sendTurn.Wait(0))
        {
            return SendInTurnAsync(buffer, socketFlags, cancellationToken);
        }

        ValueTask<int> send = StartInTurn(buffer, socketFlags, cancellationToken);
        if (send.IsCompletedSuccessfully)
        {
            // Consumed once here (see CountReceive); the turn is free before the caller sees the result.
            int bytes = send.Result;
            _sendTurn.Release();
            RecordSend(bytes);
            return new ValueTask<int>(bytes);
        }

        return FinishSendAsync(send);
    }

    /// <summary>A send that waits for the one before it.</summary>
    private async ValueTask<int> SendInTurnAsync(ReadOnlyMemory<byte> buffer, SocketFlags socketFlags, CancellationToken cancellationToken)
    {
        await _sendTurn.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await FinishSendAsync(StartInTurn(buffer, socketFlags, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Starts a send while holding the turn; a send that throws at once gives the turn back.</summary>
    private ValueTask<int> StartInTurn(ReadOnlyMemory<byte> buffer, SocketFlags socketFlags, CancellationToken cancellationToken)
    {
        try
        {
            return Socket.SendAsync(buffer, socketFlags, cancellationToken);
        }
        catch
        {
            _sendTurn.Release();
            throw;
        }
    }

    /// <summary>Awaits a send that holds the turn, then gives the turn up.</summary>
    private async ValueTask<int> FinishSendAsync(ValueTask<int> send)
    {
        int bytes;
        try
        {
            bytes = await Guard(send).ConfigureAwait(false);
        }
        finally
        {
            _sendTurn.Release();
        }

        RecordSend(bytes);
        return bytes;
    }

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, SocketFlags socketFlags, CancellationToken cancellationToken)
    {
        ValidateFlags(socketFlags, receive: true);
        return CountReceive(Socket.ReceiveAsync(buffer, socketFlags, cancellationToken));
    }

    public override void MarkClosing() => _closed = true;

    private void ThrowIfClosed()
    {
        if (_closed)
        {
            throw Disposed("a receive");
        }
    }

    public override void Close()
    {
        _closed = true;
        Socket.Dispose();
        _engine.Forget(this);
    }

    public override ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    /// <summary>Counts a drop-in receive, on the synchronous fast path without an async state machine.</summary>
    private ValueTask<int> CountReceive(ValueTask<int> operation)
    {
        if (operation.IsCompletedSuccessfully)
        {
            // Reading Result consumes the operation: an asynchronous one that finished just now hands its event args
            // back to the socket, which reuses them for the next call. So the caller gets the value, never `operation`,
            // which it would otherwise consume a second time (InvalidOperationException, or a read that never ends).
            int bytes = operation.Result;
            RecordReceive(bytes);
            return new ValueTask<int>(bytes);
        }

        return CountReceiveAsync(operation);
    }

    private async ValueTask<int> CountReceiveAsync(ValueTask<int> operation)
    {
        int bytes = await Guard(operation).ConfigureAwait(false);
        RecordReceive(bytes);
        return bytes;
    }

    private async ValueTask<int> Guard(ValueTask<int> operation)
    {
        try
        {
            return await operation.ConfigureAwait(false);
        }
        catch (SocketException) when (_closed)
        {
            // The rule both engines share (SocketTransport.Failure): after a close, the close is the cause.
            throw Disposed("the operation");
        }
    }
}
