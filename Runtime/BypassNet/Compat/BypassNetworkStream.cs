// Over 300 lines on purpose: Stream's contract (sync and async read/write, timeouts, flush, dispose semantics of
// NetworkStream) is wide; each member is small and they share the timeout and error-translation helpers here.
using System.Net.Sockets;

namespace BypassNet;

/// <summary>
/// A <see cref="Stream"/> over a connected <see cref="BypassSocket"/>, behaving like <see cref="NetworkStream"/>:
/// reads return what has arrived (at least one byte) and 0 at end of stream, writes send everything, errors surface
/// as <see cref="IOException"/> wrapping the <see cref="SocketException"/>, and <see cref="ReadTimeout"/> /
/// <see cref="WriteTimeout"/> apply to the synchronous methods. It carries <see cref="System.Net.Security.SslStream"/> unchanged.
/// </summary>
/// <remarks>
/// Reads use the owned receive path: the stream keeps the buffer the kernel filled and copies out of it, so a read
/// costs one copy (kernel buffer to caller memory) and no second trip into the kernel. One read and one write may be
/// in flight at the same time, as with <see cref="NetworkStream"/>.
/// </remarks>
public sealed class BypassNetworkStream : Stream
{
    private readonly BypassSocket _socket;
    private readonly bool _ownsSocket;
    private readonly bool _readable;
    private readonly bool _writable;

    // Guards _current against Dispose while a read copies out of it; reads never run concurrently, so it never contends.
    private readonly Lock _readLock = new();
    private OwnedBuffer? _current;
    private int _currentOffset;
    private bool _endOfStream;
    private volatile bool _disposed;

    /// <summary>Creates a stream over a connected socket that the caller keeps owning.</summary>
    /// <exception cref="IOException">The socket is not connected.</exception>
    public BypassNetworkStream(BypassSocket socket)
        : this(socket, ownsSocket: false)
    {
    }

    /// <summary>Creates a stream over a connected socket.</summary>
    /// <param name="socket">The connected socket.</param>
    /// <param name="ownsSocket">True to close the socket when the stream is disposed (as <see cref="NetworkStream(Socket, bool)"/>).</param>
    /// <exception cref="IOException">The socket is not connected.</exception>
    public BypassNetworkStream(BypassSocket socket, bool ownsSocket)
        : this(socket, FileAccess.ReadWrite, ownsSocket)
    {
    }

    /// <summary>Creates a stream over a connected socket that the caller keeps owning, readable, writable or both (as <see cref="NetworkStream(Socket, FileAccess)"/>).</summary>
    /// <exception cref="IOException">The socket is not connected.</exception>
    /// <exception cref="ArgumentException"><paramref name="access"/> is not Read, Write or ReadWrite.</exception>
    public BypassNetworkStream(BypassSocket socket, FileAccess access)
        : this(socket, access, ownsSocket: false)
    {
    }

    /// <summary>Creates a stream over a connected socket, readable, writable or both (as <see cref="NetworkStream(Socket, FileAccess, bool)"/>).</summary>
    /// <param name="socket">The connected socket.</param>
    /// <param name="access">Whether the stream reads, writes, or both.</param>
    /// <param name="ownsSocket">True to close the socket when the stream is disposed.</param>
    /// <exception cref="IOException">The socket is not connected.</exception>
    /// <exception cref="ArgumentException"><paramref name="access"/> is not Read, Write or ReadWrite.</exception>
    public BypassNetworkStream(BypassSocket socket, FileAccess access, bool ownsSocket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (access is not (FileAccess.Read or FileAccess.Write or FileAccess.ReadWrite))
        {
            throw new ArgumentException($"The value {access} is not a valid FileAccess.", nameof(access));
        }

        _readable = (access & FileAccess.Read) != 0;
        _writable = (access & FileAccess.Write) != 0;
        if (!socket.Connected)
        {
            throw new IOException("The operation is not allowed on non-connected sockets.");
        }

        _socket = socket;
        _ownsSocket = ownsSocket;
    }

    /// <summary>The socket this stream reads and writes.</summary>
    public BypassSocket Socket => _socket;

    /// <summary>True when data can be read without waiting (as <see cref="NetworkStream.DataAvailable"/>).</summary>
    /// <exception cref="ObjectDisposedException">The stream was disposed.</exception>
    public bool DataAvailable
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            lock (_readLock)
            {
                if (_current is { } current && _currentOffset < current.Length)
                {
                    return true;
                }
            }

            return _socket.Available > 0;
        }
    }

    /// <inheritdoc />
    public override bool CanRead => !_disposed && _readable;

    /// <inheritdoc />
    public override bool CanWrite => !_disposed && _writable;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanTimeout => true;

    /// <summary>
    /// Milliseconds a synchronous read waits before failing with an <see cref="IOException"/>; <see cref="Timeout.Infinite"/>
    /// (the default) waits forever. As with <see cref="NetworkStream"/>, this is the socket's
    /// <see cref="BypassSocket.ReceiveTimeout"/> (so <c>BypassTcpClient.ReceiveTimeout</c> applies to its stream).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is 0 or less than -1.</exception>
    public override int ReadTimeout
    {
        get => FromSocket(_socket.ReceiveTimeout);
        set => _socket.ReceiveTimeout = ToSocket(value);
    }

    /// <summary>Milliseconds a synchronous write waits before failing with an <see cref="IOException"/>; <see cref="Timeout.Infinite"/> (the default) waits forever. The socket's <see cref="BypassSocket.SendTimeout"/>, as <see cref="ReadTimeout"/> is its receive timeout.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is 0 or less than -1.</exception>
    public override int WriteTimeout
    {
        get => FromSocket(_socket.SendTimeout);
        set => _socket.SendTimeout = ToSocket(value);
    }

    /// <summary>Not supported: a network stream has no length.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override long Length => throw new NotSupportedException("This stream does not support seek operations.");

    /// <summary>Not supported: a network stream has no position.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override long Position
    {
        get => throw new NotSupportedException("This stream does not support seek operations.");
        set => throw new NotSupportedException("This stream does not support seek operations.");
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfNot(_readable, read: true);
        lock (_readLock)
        {
            if (TryCopyBuffered(buffer, out int copied))
            {
                return copied;
            }
        }

        ThrowIfOnRing();

        // Nothing buffered: wait for the next owned buffer and copy straight out of it; the timeout cancels only the wait, never data.
        OwnedBuffer received;
        try
        {
            received = Block(_socket.ReceiveAsync(TimeoutToken(ReadTimeout, out CancellationTokenSource? cts)), cts, read: true);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            throw ReceiveFailed(ex);
        }

        return TakeReceived(received, buffer);
    }

    /// <inheritdoc />
    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfNot(_readable, read: true);
        lock (_readLock)
        {
            if (TryCopyBuffered(buffer.Span, out int copied))
            {
                return new ValueTask<int>(copied);
            }
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        return ReceiveAndCopyAsync(buffer, cancellationToken);
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfNot(_writable, read: false);
        if (buffer.IsEmpty)
        {
            return;
        }

        ThrowIfOnRing();

        // The caller's span cannot outlive this call, so it goes out through a copy the send can pin.
        byte[] copy = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            buffer.CopyTo(copy);
            Block(WriteAsync(copy.AsMemory(0, buffer.Length), TimeoutToken(WriteTimeout, out CancellationTokenSource? cts)), cts, read: false);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <inheritdoc />
    public override void WriteByte(byte value) => Write([value]);

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfNot(_writable, read: false);
        if (buffer.IsEmpty)
        {
            return ValueTask.CompletedTask;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        ValueTask<int> send;
        try
        {
            // The drop-in send pins the caller's memory and the kernel copies straight from it: no user-space copy.
            send = _socket.SendAsync(buffer, SocketFlags.None, cancellationToken);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            throw Wrap(ex, read: false);
        }

        if (send.IsCompletedSuccessfully)
        {
            _ = send.Result;
            return ValueTask.CompletedTask;
        }

        return AwaitSendAsync(send);
    }

    /// <summary>
    /// Begins a read (as <see cref="NetworkStream.BeginRead"/>): over <see cref="ReadAsync(byte[], int, int, CancellationToken)"/>,
    /// so no thread waits for the data and a pending read never holds up a write, as Stream's own Begin methods would.
    /// </summary>
    public override IAsyncResult BeginRead(byte[] buffer, int offset, int count, AsyncCallback? callback, object? state) =>
        TaskToAsyncResult.Begin(ReadAsync(buffer, offset, count, CancellationToken.None), callback, state);

    /// <summary>Ends a read (as <see cref="NetworkStream.EndRead"/>): the bytes read (0: the peer closed), or an <see cref="IOException"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="asyncResult"/> did not come from <see cref="BeginRead"/>.</exception>
    public override int EndRead(IAsyncResult asyncResult)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _socket.ThrowIfPendingOnRing(asyncResult);
        return TaskToAsyncResult.End<int>(asyncResult);
    }

    /// <summary>Begins a write (as <see cref="NetworkStream.BeginWrite"/>), over <see cref="WriteAsync(byte[], int, int, CancellationToken)"/>; the array must not change until it ends.</summary>
    public override IAsyncResult BeginWrite(byte[] buffer, int offset, int count, AsyncCallback? callback, object? state) =>
        TaskToAsyncResult.Begin(WriteAsync(buffer, offset, count, CancellationToken.None), callback, state);

    /// <summary>Ends a write (as <see cref="NetworkStream.EndWrite"/>): throws the write's <see cref="IOException"/>, if any.</summary>
    /// <exception cref="ArgumentException"><paramref name="asyncResult"/> did not come from <see cref="BeginWrite"/>.</exception>
    public override void EndWrite(IAsyncResult asyncResult)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _socket.ThrowIfPendingOnRing(asyncResult);
        TaskToAsyncResult.End(asyncResult);
    }

    /// <summary>Does nothing: data is sent as it is written (as <see cref="NetworkStream.Flush"/>).</summary>
    public override void Flush()
    {
    }

    /// <summary>Does nothing: data is sent as it is written.</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    /// <summary>Not supported.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("This stream does not support seek operations.");

    /// <summary>Not supported.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override void SetLength(long value) => throw new NotSupportedException("This stream does not support seek operations.");

    /// <summary>Closes the stream; a <paramref name="timeout"/> of 0 resets the connection when the stream owns the socket (as <see cref="NetworkStream.Close(int)"/>).</summary>
    public void Close(int timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, -1);
        if (_ownsSocket && timeout == 0 && !_disposed)
        {
            _disposed = true;
            ReleaseCurrent();
            _socket.Close(0);
        }

        Dispose();
    }

    /// <summary>Closes the stream as <see cref="Close(int)"/> with <paramref name="timeout"/> in whole milliseconds (as <see cref="NetworkStream.Close(TimeSpan)"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is below -1 ms or above <see cref="int.MaxValue"/> ms.</exception>
    public void Close(TimeSpan timeout)
    {
        long milliseconds = (long)timeout.TotalMilliseconds;
        ArgumentOutOfRangeException.ThrowIfLessThan(milliseconds, -1L, nameof(timeout));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(milliseconds, int.MaxValue, nameof(timeout));
        Close((int)milliseconds);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            ReleaseCurrent();
            if (_ownsSocket)
            {
                _socket.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private async ValueTask<int> ReceiveAndCopyAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        OwnedBuffer received;
        try
        {
            received = await _socket.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            throw ReceiveFailed(ex);
        }

        return TakeReceived(received, destination.Span);
    }

    /// <summary>Makes a freshly received buffer the current one and copies from it.</summary>
    private int TakeReceived([TakesOwnership] OwnedBuffer received, Span<byte> destination)
    {
        lock (_readLock)
        {
            if (_disposed)
            {
                received.Dispose();
                throw Wrap(new SocketException((int)SocketError.OperationAborted), read: true);
            }

            if (received.Length == 0)
            {
                received.Dispose();
                _endOfStream = true;
                return 0;
            }

            _current = received;
            _currentOffset = 0;

            // A zero-length read only waits for data (SslStream uses that); the data stays for the next read.
            TryCopyBuffered(destination, out int copied);
            return copied;
        }
    }

    /// <summary>NetworkStream reports a read cut short by its own disposal as an aborted socket operation.</summary>
    private Exception ReceiveFailed(Exception ex) =>
        _disposed ? Wrap(new SocketException((int)SocketError.OperationAborted), read: true) : Wrap(ex, read: true);

    /// <summary>Copies what is buffered (caller holds the lock). False when the caller must receive first.</summary>
    private bool TryCopyBuffered(Span<byte> destination, out int copied)
    {
        copied = 0;
        if (_endOfStream)
        {
            return true;
        }

        if (_current is not { } current)
        {
            return false;
        }

        ReadOnlySpan<byte> available = current.Span[_currentOffset..];
        copied = Math.Min(available.Length, destination.Length);
        available[..copied].CopyTo(destination);
        _currentOffset += copied;
        if (_currentOffset >= current.Length)
        {
            // Drained: the slot goes back to the ring right away so other sockets can use it.
            _current = null;
            _currentOffset = 0;
            current.Dispose();
        }

        return true;
    }

    private async ValueTask AwaitSendAsync(ValueTask<int> send)
    {
        try
        {
            await send.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            throw Wrap(ex, read: false);
        }
    }

    private void ReleaseCurrent()
    {
        lock (_readLock)
        {
            _current?.Dispose();
            _current = null;
        }
    }

    private Exception Wrap(Exception ex, bool read)
    {
        if (ex is ObjectDisposedException && _disposed)
        {
            return new ObjectDisposedException(GetType().FullName);
        }

        string what = read ? "read data from" : "write data to";
        string reason = ex is SocketException se ? se.Message : ex.Message;
        return new IOException($"Unable to {what} the transport connection: {reason}.", ex);
    }

    private static CancellationToken TimeoutToken(int timeout, out CancellationTokenSource? cts)
    {
        cts = timeout > 0 ? new CancellationTokenSource(timeout) : null;
        return cts?.Token ?? CancellationToken.None;
    }

    private static T Block<T>(ValueTask<T> operation, CancellationTokenSource? timeout, bool read)
    {
        try
        {
            return operation.IsCompleted ? operation.GetAwaiter().GetResult() : operation.AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (timeout is not null)
        {
            string what = read ? "read data from" : "write data to";
            var timedOut = new SocketException((int)SocketError.TimedOut);
            throw new IOException($"Unable to {what} the transport connection: {timedOut.Message}.", timedOut);
        }
        finally
        {
            timeout?.Dispose();
        }
    }

    private static void Block(ValueTask operation, CancellationTokenSource? timeout, bool read) =>
        Block(AsInt(operation), timeout, read);

    private static async ValueTask<int> AsInt(ValueTask operation)
    {
        await operation.ConfigureAwait(false);
        return 0;
    }

    private void ThrowIfOnRing()
    {
        if (_socket.OnEngineThread)
        {
            throw new InvalidOperationException("A blocking stream call on a BypassNet ring thread would deadlock the ring; use the async methods.");
        }
    }

    // The socket counts 0 (or less) as no timeout; the stream says Timeout.Infinite and refuses 0, as NetworkStream does.
    private static int FromSocket(int milliseconds) => milliseconds > 0 ? milliseconds : Timeout.Infinite;

    private static int ToSocket(int value)
    {
        if (value == 0 || value < Timeout.Infinite)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Timeout must be positive or Timeout.Infinite.");
        }

        return value == Timeout.Infinite ? 0 : value;
    }

    // NetworkStream's exception and wording for a stream opened without that access.
    private static void ThrowIfNot(bool allowed, bool read)
    {
        if (!allowed)
        {
            throw new InvalidOperationException(read ? "The stream does not support reading." : "The stream does not support writing.");
        }
    }
}
