using System.Net;
using System.Net.Sockets;
using BypassNet.Buffers;
using BypassNet.Sockets;

namespace BypassNet.Engines.Managed;

/// <summary>Data plane over System.Net.Sockets. Errors are reported the way the io_uring transport reports them.</summary>
internal sealed class ManagedSocketTransport : SocketTransport
{
    private readonly ManagedSocketEngine _engine;
    private readonly BufferPool _receivePool;
    private readonly EngineStatistics _statistics;
    private volatile bool _closed;

    public ManagedSocketTransport(ManagedSocketEngine engine, Socket socket, BufferPool receivePool, EngineStatistics statistics)
        : base(socket)
    {
        _engine = engine;
        _receivePool = receivePool;
        _statistics = statistics;
    }

    public override bool Connected => !_closed && Socket.Connected;

    public override int Available => Socket.Available;

    public override async ValueTask<Socket> AcceptAsync(CancellationToken cancellationToken)
    {
        try
        {
            Socket accepted = await Socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            _statistics.Add(ref _statistics.Accepts);
            return accepted;
        }
        catch (SocketException ex) when (_closed && ex.SocketErrorCode == SocketError.OperationAborted)
        {
            throw Disposed();
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
            var memory = new NativeMemoryManager(lease).Memory;
            int sent = await Guard(Socket.SendAsync(memory, SocketFlags.None, cancellationToken)).ConfigureAwait(false);
            _statistics.Add(ref _statistics.Sends);
            _statistics.Add(ref _statistics.BytesSent, sent);
            return sent;
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
        // Waiting for a buffer is the same backpressure the io_uring engine applies when its buffer ring runs dry.
        OwnedBuffer buffer = await _receivePool.RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int received = await Guard(Socket.ReceiveAsync(buffer.Memory, SocketFlags.None, cancellationToken)).ConfigureAwait(false);
            buffer.Length = received;
            _statistics.Add(ref _statistics.Receives);
            _statistics.Add(ref _statistics.BytesReceived, received);
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    public override ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, SocketFlags socketFlags, CancellationToken cancellationToken)
    {
        ValidateFlags(socketFlags, receive: false);
        return Count(Socket.SendAsync(buffer, socketFlags, cancellationToken), send: true);
    }

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, SocketFlags socketFlags, CancellationToken cancellationToken)
    {
        ValidateFlags(socketFlags, receive: true);
        return Count(Socket.ReceiveAsync(buffer, socketFlags, cancellationToken), send: false);
    }

    public override void MarkClosing() => _closed = true;

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

    /// <summary>Counts a drop-in operation, on the synchronous fast path without an async state machine.</summary>
    private ValueTask<int> Count(ValueTask<int> operation, bool send)
    {
        if (operation.IsCompletedSuccessfully)
        {
            Record(operation.Result, send);
            return operation;
        }

        return CountAsync(operation, send);
    }

    private async ValueTask<int> CountAsync(ValueTask<int> operation, bool send)
    {
        int bytes = await Guard(operation).ConfigureAwait(false);
        Record(bytes, send);
        return bytes;
    }

    private void Record(int bytes, bool send)
    {
        if (send)
        {
            _statistics.Add(ref _statistics.Sends);
            _statistics.Add(ref _statistics.BytesSent, bytes);
        }
        else
        {
            _statistics.Add(ref _statistics.Receives);
            _statistics.Add(ref _statistics.BytesReceived, bytes);
        }
    }

    private async ValueTask<int> Guard(ValueTask<int> operation)
    {
        try
        {
            return await operation.ConfigureAwait(false);
        }
        catch (SocketException) when (_closed)
        {
            // Whatever the socket reported after it was closed under the operation, the cause is the close.
            throw Disposed();
        }
    }

    private static ObjectDisposedException Disposed() => new(nameof(BypassSocket), "The socket was disposed while the operation was pending.");
}
