// Over 300 lines on purpose: the drop-in face mirrors System.Net.Sockets.Socket's TCP surface member for member
// (constructors, sync, task and Begin/End overloads, options, endpoints); each member is a thin delegation to the transport.
using System.Buffers;
using System.Net;
using System.Net.Sockets;
using BypassNet.Sockets;

namespace BypassNet;

/// <summary>
/// A TCP socket on BypassNet. Two faces:
/// <list type="bullet">
/// <item><description>The owned-buffer path, <see cref="SendAsync(OwnedBuffer, CancellationToken)"/> and
/// <see cref="ReceiveAsync(CancellationToken)"/>: buffers move between the application and the kernel without
/// user-space copies (registered buffers, provided buffer rings, multishot receive, zero-copy send).</description></item>
/// <item><description>The drop-in path: the constructors, methods, properties and exceptions of
/// <see cref="System.Net.Sockets.Socket"/> for TCP, so existing code compiles and behaves the same after swapping the type.</description></item>
/// </list>
/// Without io_uring (older kernel, seccomp, io_uring_disabled, other OS) the same API runs on System.Net.Sockets.
/// </summary>
public sealed class BypassSocket : IDisposable, IAsyncDisposable
{
    private readonly BypassRuntime _runtime;
    private readonly SocketTransport _transport;
    private int _disposed;

    /// <summary>Creates a socket on <see cref="BypassRuntime.Shared"/>, like <c>new Socket(addressFamily, socketType, protocolType)</c>.</summary>
    /// <exception cref="SocketException">The operating system could not create the socket.</exception>
    /// <exception cref="NotSupportedException"><paramref name="socketType"/> is not <see cref="SocketType.Stream"/>.</exception>
    public BypassSocket(AddressFamily addressFamily, SocketType socketType, ProtocolType protocolType)
        : this(BypassRuntime.Shared, addressFamily, socketType, protocolType)
    {
    }

    /// <summary>Creates a dual-mode (IPv6 and IPv4) socket on <see cref="BypassRuntime.Shared"/>, like <c>new Socket(socketType, protocolType)</c>.</summary>
    public BypassSocket(SocketType socketType, ProtocolType protocolType)
        : this(BypassRuntime.Shared, AddressFamily.InterNetworkV6, socketType, protocolType)
    {
        DualMode = true;
    }

    /// <summary>Creates a socket on <paramref name="runtime"/>.</summary>
    /// <exception cref="SocketException">The operating system could not create the socket.</exception>
    /// <exception cref="NotSupportedException"><paramref name="socketType"/> is not <see cref="SocketType.Stream"/>.</exception>
    public BypassSocket(BypassRuntime runtime, AddressFamily addressFamily, SocketType socketType, ProtocolType protocolType)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (socketType != SocketType.Stream)
        {
            throw new NotSupportedException($"BypassSocket carries stream (TCP) sockets; use System.Net.Sockets.Socket for {socketType}.");
        }

        _runtime = runtime;
        var socket = new Socket(addressFamily, socketType, protocolType);
        try
        {
            _transport = runtime.EngineImpl.CreateTransport(socket, connected: false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private BypassSocket(BypassRuntime runtime, Socket accepted)
    {
        _runtime = runtime;
        _transport = runtime.EngineImpl.CreateTransport(accepted, connected: true);
    }

    /// <summary>The runtime this socket runs on.</summary>
    public BypassRuntime Runtime => _runtime;

    /// <summary>The engine carrying this socket.</summary>
    public EngineKind Engine => _runtime.Engine;

    /// <summary>The runtime's buffer pool: rent here, fill, and hand to <see cref="SendAsync(OwnedBuffer, CancellationToken)"/>.</summary>
    public BufferPool Buffers => _runtime.Buffers;

    /// <summary>The underlying descriptor (as <see cref="Socket.Handle"/>).</summary>
    public IntPtr Handle => Socket.Handle;

    /// <summary>True when the socket is connected to a peer (as <see cref="Socket.Connected"/>).</summary>
    public bool Connected => _transport.Connected;

    /// <summary>Bytes received and not yet read (as <see cref="Socket.Available"/>).</summary>
    public int Available => _transport.Available;

    /// <summary>The local endpoint (as <see cref="Socket.LocalEndPoint"/>).</summary>
    public EndPoint? LocalEndPoint => Socket.LocalEndPoint;

    /// <summary>The remote endpoint (as <see cref="Socket.RemoteEndPoint"/>).</summary>
    public EndPoint? RemoteEndPoint => Socket.RemoteEndPoint;

    /// <summary>The address family.</summary>
    public AddressFamily AddressFamily => Socket.AddressFamily;

    /// <summary>The socket type (always <see cref="SocketType.Stream"/>).</summary>
    public SocketType SocketType => Socket.SocketType;

    /// <summary>The protocol.</summary>
    public ProtocolType ProtocolType => Socket.ProtocolType;

    /// <summary>True once bound to a local endpoint.</summary>
    public bool IsBound => Socket.IsBound;

    /// <summary>Disables Nagle's algorithm (TCP_NODELAY).</summary>
    public bool NoDelay
    {
        get => Socket.NoDelay;
        set => Socket.NoDelay = value;
    }

    /// <summary>Whether an IPv6 socket also carries IPv4.</summary>
    public bool DualMode
    {
        get => Socket.DualMode;
        set => Socket.DualMode = value;
    }

    /// <summary>SO_LINGER.</summary>
    public LingerOption? LingerState
    {
        get => Socket.LingerState;
        set => Socket.LingerState = value!;
    }

    /// <summary>SO_RCVBUF.</summary>
    public int ReceiveBufferSize
    {
        get => Socket.ReceiveBufferSize;
        set => Socket.ReceiveBufferSize = value;
    }

    /// <summary>SO_SNDBUF.</summary>
    public int SendBufferSize
    {
        get => Socket.SendBufferSize;
        set => Socket.SendBufferSize = value;
    }

    /// <summary>Timeout in milliseconds of the synchronous <see cref="Receive(Span{byte})"/> family; 0 or -1 waits forever.</summary>
    public int ReceiveTimeout { get; set; }

    /// <summary>Timeout in milliseconds of the synchronous <see cref="Send(ReadOnlySpan{byte})"/> family; 0 or -1 waits forever.</summary>
    public int SendTimeout { get; set; }

    /// <summary>SO_REUSEADDR-style exclusivity (as <see cref="Socket.ExclusiveAddressUse"/>).</summary>
    public bool ExclusiveAddressUse
    {
        get => Socket.ExclusiveAddressUse;
        set => Socket.ExclusiveAddressUse = value;
    }

    private Socket Socket
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _transport.Socket;
        }
    }

    /// <summary>
    /// Sends an owned buffer's <see cref="OwnedBuffer.Length"/> bytes. Ownership moves to BypassNet at the call, even if
    /// it throws: the buffer goes back to its pool once the kernel is done with it (after the zero-copy notification).
    /// </summary>
    /// <returns>The number of bytes sent: all of them.</returns>
    /// <exception cref="ObjectDisposedException">The buffer was already handed off or disposed, or the socket was disposed.</exception>
    /// <exception cref="SocketException">The send failed (for example <see cref="SocketError.ConnectionReset"/>).</exception>
    /// <exception cref="OperationCanceledException">The token was canceled; the connection's byte stream is then undefined.</exception>
#pragma warning disable RS0027 // The shipped overload, unchanged in shape: only OwnedBuffer became a value type.
    public ValueTask<int> SendAsync([TakesOwnership] OwnedBuffer buffer, CancellationToken cancellationToken = default)
#pragma warning restore RS0027
    {
        if (buffer.IsDefault)
        {
            throw new ArgumentException("default(OwnedBuffer) is not a lease: rent a buffer from a BufferPool or receive one.", nameof(buffer));
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            // Still a handoff: the buffer goes back to its pool, the caller gets the error.
            buffer.Dispose();
            throw new ObjectDisposedException(nameof(BypassSocket));
        }

        return _transport.SendAsync(buffer, cancellationToken);
    }

    /// <summary>
    /// Receives the next chunk of the byte stream into a page-aligned buffer the kernel filled. The caller owns it and
    /// must dispose it or hand it on (it can be sent on without a copy). <see cref="OwnedBuffer.Length"/> == 0 means the
    /// peer closed its side.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The socket was disposed.</exception>
    /// <exception cref="SocketException">The connection failed (for example <see cref="SocketError.ConnectionReset"/>).</exception>
    /// <exception cref="OperationCanceledException">The token was canceled; no data is lost, the next receive gets it.</exception>
#pragma warning disable RS0027 // The shipped overload, unchanged in shape: only OwnedBuffer became a value type.
    public ValueTask<OwnedBuffer> ReceiveAsync(CancellationToken cancellationToken = default)
#pragma warning restore RS0027
    {
        ThrowIfDisposed();
        return _transport.ReceiveAsync(cancellationToken);
    }

    /// <summary>Binds to a local endpoint (as <see cref="Socket.Bind"/>).</summary>
    public void Bind(EndPoint localEP) => Socket.Bind(localEP);

    /// <summary>Starts listening with the default backlog (as <see cref="Socket.Listen()"/>).</summary>
    public void Listen() => Socket.Listen();

    /// <summary>Starts listening (as <see cref="Socket.Listen(int)"/>).</summary>
    public void Listen(int backlog) => Socket.Listen(backlog);

    /// <summary>Accepts a connection (as <see cref="Socket.AcceptAsync()"/>).</summary>
    public Task<BypassSocket> AcceptAsync() => AcceptAsync(CancellationToken.None).AsTask();

    /// <summary>Accepts a connection (as <see cref="Socket.AcceptAsync(CancellationToken)"/>).</summary>
    public async ValueTask<BypassSocket> AcceptAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        Socket accepted = await _transport.AcceptAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return new BypassSocket(_runtime, accepted);
        }
        catch
        {
            accepted.Dispose();
            throw;
        }
    }

    /// <summary>Whether a listening socket has a connection waiting, for <c>Pending()</c>; does not block.</summary>
    internal bool HasPendingAccept
    {
        get
        {
            ThrowIfDisposed();
            return _transport.HasPendingAccept;
        }
    }

    /// <summary>Accepts a connection, blocking (as <see cref="Socket.Accept"/>).</summary>
    public BypassSocket Accept()
    {
        ThrowIfOnRingThread();
        return AcceptAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Connects, blocking (as <see cref="Socket.Connect(EndPoint)"/>).</summary>
    public void Connect(EndPoint remoteEP)
    {
        ThrowIfOnRingThread();
        ConnectAsync(remoteEP, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Connects, blocking (as <see cref="Socket.Connect(IPAddress, int)"/>).</summary>
    public void Connect(IPAddress address, int port) => Connect(new IPEndPoint(address, port));

    /// <summary>Connects to the first address that accepts, blocking (as <see cref="Socket.Connect(IPAddress[], int)"/>).</summary>
    public void Connect(IPAddress[] addresses, int port)
    {
        ThrowIfOnRingThread();
        ConnectAsync(addresses, port, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Resolves and connects, blocking (as <see cref="Socket.Connect(string, int)"/>).</summary>
    public void Connect(string host, int port) => Connect(new DnsEndPoint(host, port));

    /// <summary>Connects (as <see cref="Socket.ConnectAsync(EndPoint)"/>).</summary>
    public Task ConnectAsync(EndPoint remoteEP) => ConnectAsync(remoteEP, CancellationToken.None).AsTask();

    /// <summary>Connects (as <see cref="Socket.ConnectAsync(EndPoint, CancellationToken)"/>).</summary>
    public ValueTask ConnectAsync(EndPoint remoteEP, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(remoteEP);
        ThrowIfDisposed();
        return _transport.ConnectAsync(remoteEP, cancellationToken);
    }

    /// <summary>Connects (as <see cref="Socket.ConnectAsync(IPAddress, int)"/>).</summary>
    public Task ConnectAsync(IPAddress address, int port) => ConnectAsync(new IPEndPoint(address, port));

    /// <summary>Connects (as <see cref="Socket.ConnectAsync(IPAddress, int, CancellationToken)"/>).</summary>
    public ValueTask ConnectAsync(IPAddress address, int port, CancellationToken cancellationToken) =>
        ConnectAsync(new IPEndPoint(address, port), cancellationToken);

    /// <summary>Connects to the first address that accepts (as <see cref="Socket.ConnectAsync(IPAddress[], int)"/>).</summary>
    public Task ConnectAsync(IPAddress[] addresses, int port) => ConnectAsync(addresses, port, CancellationToken.None).AsTask();

    /// <summary>Connects to the first address that accepts (as <see cref="Socket.ConnectAsync(IPAddress[], int, CancellationToken)"/>).</summary>
    public async ValueTask ConnectAsync(IPAddress[] addresses, int port, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        SocketException? last = null;
        foreach (IPAddress address in addresses)
        {
            try
            {
                await ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SocketException ex)
            {
                last = ex;
            }
        }

        if (last is not null)
        {
            throw last;
        }

        throw new ArgumentException("No addresses to connect to.", nameof(addresses));
    }

    /// <summary>Resolves and connects (as <see cref="Socket.ConnectAsync(string, int)"/>).</summary>
    public Task ConnectAsync(string host, int port) => ConnectAsync(new DnsEndPoint(host, port));

    /// <summary>Resolves and connects (as <see cref="Socket.ConnectAsync(string, int, CancellationToken)"/>).</summary>
    public ValueTask ConnectAsync(string host, int port, CancellationToken cancellationToken) =>
        ConnectAsync(new DnsEndPoint(host, port), cancellationToken);

    /// <summary>Sends all of <paramref name="buffer"/> (as <see cref="Socket.SendAsync(ArraySegment{byte})"/>).</summary>
    public Task<int> SendAsync(ArraySegment<byte> buffer) => SendAsync(buffer, SocketFlags.None);

    /// <summary>Sends all of <paramref name="buffer"/> (as <see cref="Socket.SendAsync(ArraySegment{byte}, SocketFlags)"/>).</summary>
    public Task<int> SendAsync(ArraySegment<byte> buffer, SocketFlags socketFlags) =>
        SendAsync((ReadOnlyMemory<byte>)buffer, socketFlags, CancellationToken.None).AsTask();

    /// <summary>Sends all of <paramref name="buffer"/> (as <see cref="Socket.SendAsync(ReadOnlyMemory{byte}, CancellationToken)"/>).</summary>
    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        SendAsync(buffer, SocketFlags.None, cancellationToken);

    /// <summary>
    /// Sends all of <paramref name="buffer"/> (as <see cref="Socket.SendAsync(ReadOnlyMemory{byte}, SocketFlags, CancellationToken)"/>).
    /// The memory must not change until the returned task completes. Only <see cref="SocketFlags.None"/> is supported.
    /// </summary>
    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, SocketFlags socketFlags, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _transport.SendAsync(buffer, socketFlags, cancellationToken);
    }

    /// <summary>Receives into <paramref name="buffer"/> (as <see cref="Socket.ReceiveAsync(ArraySegment{byte})"/>).</summary>
    public Task<int> ReceiveAsync(ArraySegment<byte> buffer) => ReceiveAsync(buffer, SocketFlags.None);

    /// <summary>Receives into <paramref name="buffer"/> (as <see cref="Socket.ReceiveAsync(ArraySegment{byte}, SocketFlags)"/>).</summary>
    public Task<int> ReceiveAsync(ArraySegment<byte> buffer, SocketFlags socketFlags) =>
        ReceiveAsync((Memory<byte>)buffer, socketFlags, CancellationToken.None).AsTask();

    /// <summary>Receives into <paramref name="buffer"/> (as <see cref="Socket.ReceiveAsync(Memory{byte}, CancellationToken)"/>); 0 means the peer closed.</summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    /// <summary>
    /// Receives into <paramref name="buffer"/> (as <see cref="Socket.ReceiveAsync(Memory{byte}, SocketFlags, CancellationToken)"/>);
    /// 0 means the peer closed. <see cref="SocketFlags.None"/> and <see cref="SocketFlags.Peek"/> are supported.
    /// </summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, SocketFlags socketFlags, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _transport.ReceiveAsync(buffer, socketFlags, cancellationToken);
    }

    /// <summary>Sends all of <paramref name="buffer"/>, blocking (as <see cref="Socket.Send(byte[])"/>).</summary>
    public int Send(byte[] buffer) => Send(buffer.AsSpan(), SocketFlags.None);

    /// <summary>Sends, blocking (as <see cref="Socket.Send(byte[], int, int, SocketFlags)"/>).</summary>
    public int Send(byte[] buffer, int offset, int size, SocketFlags socketFlags) => Send(buffer.AsSpan(offset, size), socketFlags);

    /// <summary>Sends all of <paramref name="buffer"/>, blocking (as <see cref="Socket.Send(ReadOnlySpan{byte})"/>).</summary>
    public int Send(ReadOnlySpan<byte> buffer) => Send(buffer, SocketFlags.None);

    /// <summary>Sends all of <paramref name="buffer"/>, blocking (as <see cref="Socket.Send(ReadOnlySpan{byte}, SocketFlags)"/>).</summary>
    public int Send(ReadOnlySpan<byte> buffer, SocketFlags socketFlags)
    {
        byte[] copy = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            buffer.CopyTo(copy);
            using CancellationTokenSource? timeout = Timeout(SendTimeout);
            return Block(SendAsync(copy.AsMemory(0, buffer.Length), socketFlags, timeout?.Token ?? default), SendTimeout);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <summary>Sends all of <paramref name="buffer"/>, blocking (as <see cref="Socket.Send(byte[], SocketFlags)"/>).</summary>
    public int Send(byte[] buffer, SocketFlags socketFlags) => Send(buffer.AsSpan(), socketFlags);

    /// <summary>Receives, blocking (as <see cref="Socket.Receive(byte[])"/>).</summary>
    public int Receive(byte[] buffer) => Receive(buffer.AsSpan(), SocketFlags.None);

    /// <summary>Receives, blocking (as <see cref="Socket.Receive(byte[], int, int, SocketFlags)"/>).</summary>
    public int Receive(byte[] buffer, int offset, int size, SocketFlags socketFlags) => Receive(buffer.AsSpan(offset, size), socketFlags);

    /// <summary>Receives, blocking (as <see cref="Socket.Receive(Span{byte})"/>).</summary>
    public int Receive(Span<byte> buffer) => Receive(buffer, SocketFlags.None);

    /// <summary>Receives, blocking (as <see cref="Socket.Receive(Span{byte}, SocketFlags)"/>).</summary>
    public int Receive(Span<byte> buffer, SocketFlags socketFlags)
    {
        byte[] copy = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            using CancellationTokenSource? timeout = Timeout(ReceiveTimeout);
            int received = Block(ReceiveAsync(copy.AsMemory(0, buffer.Length), socketFlags, timeout?.Token ?? default), ReceiveTimeout);
            copy.AsSpan(0, received).CopyTo(buffer);
            return received;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <summary>Receives, blocking (as <see cref="Socket.Receive(byte[], SocketFlags)"/>).</summary>
    public int Receive(byte[] buffer, SocketFlags socketFlags) => Receive(buffer.AsSpan(), socketFlags);

    // Begin/End pairs, as Socket's own are since .NET 8: the task-based call wrapped by TaskToAsyncResult. The callback
    // runs where the task completes (the thread pool, unless continuations run inline on the ring threads).

    /// <summary>Begins accepting a connection (as <see cref="Socket.BeginAccept(AsyncCallback, object)"/>).</summary>
    public IAsyncResult BeginAccept(AsyncCallback? callback, object? state)
    {
        ThrowIfDisposed();
        return TaskToAsyncResult.Begin(AcceptAsync(CancellationToken.None).AsTask(), callback, state);
    }

    /// <summary>Ends an accept (as <see cref="Socket.EndAccept(IAsyncResult)"/>): the accepted socket, or the accept's error.</summary>
    /// <exception cref="ArgumentException"><paramref name="asyncResult"/> did not come from <see cref="BeginAccept"/>.</exception>
    public BypassSocket EndAccept(IAsyncResult asyncResult)
    {
        ThrowIfDisposed();
        ThrowIfPendingOnRing(asyncResult);
        return TaskToAsyncResult.End<BypassSocket>(asyncResult);
    }

    /// <summary>Begins connecting (as <see cref="Socket.BeginConnect(EndPoint, AsyncCallback, object)"/>).</summary>
    public IAsyncResult BeginConnect(EndPoint remoteEP, AsyncCallback? callback, object? state) =>
        TaskToAsyncResult.Begin(ConnectAsync(remoteEP, CancellationToken.None).AsTask(), callback, state);

    /// <summary>Begins connecting (as <see cref="Socket.BeginConnect(IPAddress, int, AsyncCallback, object)"/>).</summary>
    public IAsyncResult BeginConnect(IPAddress address, int port, AsyncCallback? requestCallback, object? state) =>
        BeginConnect(new IPEndPoint(address, port), requestCallback, state);

    /// <summary>Begins connecting to the first address that accepts (as <see cref="Socket.BeginConnect(IPAddress[], int, AsyncCallback, object)"/>).</summary>
    public IAsyncResult BeginConnect(IPAddress[] addresses, int port, AsyncCallback? requestCallback, object? state)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ThrowIfDisposed();
        return TaskToAsyncResult.Begin(ConnectAsync(addresses, port, CancellationToken.None).AsTask(), requestCallback, state);
    }

    /// <summary>Begins resolving and connecting (as <see cref="Socket.BeginConnect(string, int, AsyncCallback, object)"/>).</summary>
    public IAsyncResult BeginConnect(string host, int port, AsyncCallback? requestCallback, object? state) =>
        BeginConnect(new DnsEndPoint(host, port), requestCallback, state);

    /// <summary>Ends a connect (as <see cref="Socket.EndConnect(IAsyncResult)"/>): throws the connect's error, if any.</summary>
    /// <exception cref="ArgumentException"><paramref name="asyncResult"/> did not come from a <c>BeginConnect</c>.</exception>
    public void EndConnect(IAsyncResult asyncResult)
    {
        ThrowIfDisposed();
        ThrowIfPendingOnRing(asyncResult);
        TaskToAsyncResult.End(asyncResult);
    }

    /// <summary>Begins sending (as <see cref="Socket.BeginSend(byte[], int, int, SocketFlags, AsyncCallback, object)"/>); the array must not change until it ends.</summary>
    public IAsyncResult BeginSend(byte[] buffer, int offset, int size, SocketFlags socketFlags, AsyncCallback? callback, object? state)
    {
        ThrowIfDisposed();
        ValidateBuffer(buffer, offset, size);
        return TaskToAsyncResult.Begin(SendStarted(buffer.AsMemory(offset, size), socketFlags), callback, state);
    }

    /// <summary>
    /// Begins sending (as <see cref="Socket.BeginSend(byte[], int, int, SocketFlags, out SocketError, AsyncCallback, object)"/>):
    /// a send that fails at once returns null with its error in <paramref name="errorCode"/>.
    /// </summary>
    public IAsyncResult? BeginSend(byte[] buffer, int offset, int size, SocketFlags socketFlags, out SocketError errorCode, AsyncCallback? callback, object? state)
    {
        ThrowIfDisposed();
        ValidateBuffer(buffer, offset, size);
        return BeginOrFail(SendStarted(buffer.AsMemory(offset, size), socketFlags), out errorCode, callback, state);
    }

    /// <summary>Ends a send (as <see cref="Socket.EndSend(IAsyncResult)"/>): the bytes sent, or the send's error.</summary>
    /// <exception cref="ArgumentException"><paramref name="asyncResult"/> did not come from a <c>BeginSend</c>.</exception>
    public int EndSend(IAsyncResult asyncResult)
    {
        ThrowIfDisposed();
        ThrowIfPendingOnRing(asyncResult);
        return TaskToAsyncResult.End<int>(asyncResult);
    }

    /// <summary>Ends a send (as <see cref="Socket.EndSend(IAsyncResult, out SocketError)"/>): an error gives 0 and its code instead of an exception.</summary>
    public int EndSend(IAsyncResult asyncResult, out SocketError errorCode)
    {
        ThrowIfDisposed();
        ThrowIfPendingOnRing(asyncResult);
        return EndOrError(asyncResult, out errorCode);
    }

    /// <summary>Begins receiving into <paramref name="buffer"/> (as <see cref="Socket.BeginReceive(byte[], int, int, SocketFlags, AsyncCallback, object)"/>).</summary>
    public IAsyncResult BeginReceive(byte[] buffer, int offset, int size, SocketFlags socketFlags, AsyncCallback? callback, object? state)
    {
        ThrowIfDisposed();
        ValidateBuffer(buffer, offset, size);
        return TaskToAsyncResult.Begin(ReceiveStarted(buffer.AsMemory(offset, size), socketFlags), callback, state);
    }

    /// <summary>
    /// Begins receiving (as <see cref="Socket.BeginReceive(byte[], int, int, SocketFlags, out SocketError, AsyncCallback, object)"/>):
    /// a receive that fails at once returns null with its error in <paramref name="errorCode"/>.
    /// </summary>
    public IAsyncResult? BeginReceive(byte[] buffer, int offset, int size, SocketFlags socketFlags, out SocketError errorCode, AsyncCallback? callback, object? state)
    {
        ThrowIfDisposed();
        ValidateBuffer(buffer, offset, size);
        return BeginOrFail(ReceiveStarted(buffer.AsMemory(offset, size), socketFlags), out errorCode, callback, state);
    }

    /// <summary>Ends a receive (as <see cref="Socket.EndReceive(IAsyncResult)"/>): the bytes received (0: the peer closed), or the receive's error.</summary>
    /// <exception cref="ArgumentException"><paramref name="asyncResult"/> did not come from a <c>BeginReceive</c>.</exception>
    public int EndReceive(IAsyncResult asyncResult)
    {
        ThrowIfDisposed();
        ThrowIfPendingOnRing(asyncResult);
        return TaskToAsyncResult.End<int>(asyncResult);
    }

    /// <summary>Ends a receive (as <see cref="Socket.EndReceive(IAsyncResult, out SocketError)"/>): an error gives 0 and its code instead of an exception.</summary>
    public int EndReceive(IAsyncResult asyncResult, out SocketError errorCode)
    {
        ThrowIfDisposed();
        ThrowIfPendingOnRing(asyncResult);
        return EndOrError(asyncResult, out errorCode);
    }

    /// <summary>Shuts down sending, receiving or both (as <see cref="Socket.Shutdown"/>).</summary>
    public void Shutdown(SocketShutdown how) => Socket.Shutdown(how);

    /// <summary>Sets a socket option (as <see cref="Socket.SetSocketOption(SocketOptionLevel, SocketOptionName, int)"/>).</summary>
    public void SetSocketOption(SocketOptionLevel optionLevel, SocketOptionName optionName, int optionValue) =>
        Socket.SetSocketOption(optionLevel, optionName, optionValue);

    /// <summary>Sets a socket option (as <see cref="Socket.SetSocketOption(SocketOptionLevel, SocketOptionName, bool)"/>).</summary>
    public void SetSocketOption(SocketOptionLevel optionLevel, SocketOptionName optionName, bool optionValue) =>
        Socket.SetSocketOption(optionLevel, optionName, optionValue);

    /// <summary>Sets a socket option (as <see cref="Socket.SetSocketOption(SocketOptionLevel, SocketOptionName, object)"/>).</summary>
    public void SetSocketOption(SocketOptionLevel optionLevel, SocketOptionName optionName, object optionValue) =>
        Socket.SetSocketOption(optionLevel, optionName, optionValue);

    /// <summary>Reads a socket option (as <see cref="Socket.GetSocketOption(SocketOptionLevel, SocketOptionName)"/>).</summary>
    public object? GetSocketOption(SocketOptionLevel optionLevel, SocketOptionName optionName) =>
        Socket.GetSocketOption(optionLevel, optionName);

    /// <summary>Closes the socket (as <see cref="Socket.Close()"/>).</summary>
    public void Close() => Dispose();

    /// <summary>Closes the socket; a <paramref name="timeout"/> of 0 resets the connection (as <see cref="Socket.Close(int)"/>).</summary>
    public void Close(int timeout)
    {
        if (timeout == 0 && Volatile.Read(ref _disposed) == 0)
        {
            Socket.LingerState = new LingerOption(true, 0);
        }

        Dispose();
    }

    /// <summary>
    /// Closes the socket. Pending operations complete with <see cref="ObjectDisposedException"/>; the descriptor is closed
    /// once the kernel has finished every operation on it.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _transport.Close();
        }
    }

    /// <summary>Closes the socket and waits until the kernel has finished every operation on it.</summary>
    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _disposed, 1);
        return _transport.DisposeAsync();
    }

    /// <inheritdoc />
    public override string ToString() => $"BypassSocket({Engine}, {(_disposed != 0 ? "disposed" : _transport.Socket.LocalEndPoint?.ToString() ?? "unbound")})";

    /// <summary>The timer of a blocking call, or null when it waits forever; the caller disposes it when the call returns (its timer is freed).</summary>
    private static CancellationTokenSource? Timeout(int milliseconds) =>
        milliseconds > 0 ? new CancellationTokenSource(milliseconds) : null;

    /// <summary>True on a thread where a blocking call would deadlock the engine (a ring's own thread).</summary>
    internal bool OnEngineThread => _transport.OnEngineThread;

    /// <summary>Completions of this socket's operations continue on the engine thread (see <see cref="SocketTransport.InlineCompletions"/>).</summary>
    internal bool InlineCompletions
    {
        get => _transport.InlineCompletions;
        set => _transport.InlineCompletions = value;
    }

    /// <summary>A non-blocking send on the calling thread (see <see cref="SocketTransport.TrySendNow"/>): bytes sent, or -1.</summary>
    internal int TrySendNow(ReadOnlySpan<byte> data) => _transport.TrySendNow(data);

    /// <summary>The engine's side of this socket (tests look through it at the ring a socket lives on).</summary>
    internal SocketTransport Transport => _transport;

    private int Block(ValueTask<int> operation, int timeout)
    {
        if (_transport.OnEngineThread)
        {
            throw new InvalidOperationException("A blocking socket call on a BypassNet ring thread would deadlock the ring; use the async methods.");
        }

        try
        {
            return operation.AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (timeout > 0)
        {
            throw new SocketException((int)SocketError.TimedOut);
        }
    }

    private void ThrowIfOnRingThread()
    {
        if (_transport.OnEngineThread)
        {
            throw new InvalidOperationException("A blocking socket call on a BypassNet ring thread would deadlock the ring; use the async methods.");
        }
    }

    private static void ValidateBuffer(byte[] buffer, int offset, int size)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, buffer.Length);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, buffer.Length - offset);
    }

    // For the Begin methods: an error the call throws at once (a connection already reset) goes into the task, as
    // Socket's do, so the callback still runs and End reports it.
    private Task<int> SendStarted(ReadOnlyMemory<byte> buffer, SocketFlags socketFlags)
    {
        try
        {
            return SendAsync(buffer, socketFlags).AsTask();
        }
        catch (SocketException ex)
        {
            return Task.FromException<int>(ex);
        }
    }

    private Task<int> ReceiveStarted(Memory<byte> buffer, SocketFlags socketFlags)
    {
        try
        {
            return ReceiveAsync(buffer, socketFlags).AsTask();
        }
        catch (SocketException ex)
        {
            return Task.FromException<int>(ex);
        }
    }

    /// <summary>The out-SocketError Begin overloads: a task that already failed gives null and its code, as Socket's do.</summary>
    private static IAsyncResult? BeginOrFail(Task<int> task, out SocketError errorCode, AsyncCallback? callback, object? state)
    {
        if (task.IsFaulted || task.IsCanceled)
        {
            errorCode = ErrorOf(task);
            // Observed here: the caller gets the code, not the exception.
            _ = task.Exception;
            return null;
        }

        errorCode = SocketError.Success;
        return TaskToAsyncResult.Begin(task, callback, state);
    }

    /// <summary>The out-SocketError End overloads: waits, then the result, or 0 and the error's code.</summary>
    private static int EndOrError(IAsyncResult asyncResult, out SocketError errorCode)
    {
        Task<int> task = TaskToAsyncResult.Unwrap<int>(asyncResult);
        if (!task.IsCompleted)
        {
            // Ended before it completed (outside its callback): block, as Socket does.
            ((IAsyncResult)task).AsyncWaitHandle.WaitOne();
        }
        if (task.IsCompletedSuccessfully)
        {
            errorCode = SocketError.Success;
            return task.Result;
        }

        errorCode = ErrorOf(task);
        return 0;
    }

    /// <summary>The SocketError Socket reports for a failed operation: a closed socket or a cancellation is OperationAborted.</summary>
    private static SocketError ErrorOf(Task task) => task.IsCanceled ? SocketError.OperationAborted : task.Exception?.InnerException switch
    {
        SocketException socketError => socketError.SocketErrorCode,
        ObjectDisposedException or OperationCanceledException => SocketError.OperationAborted,
        _ => SocketError.SocketError,
    };

    /// <summary>
    /// For End methods (this socket's and its stream's): End on an operation still pending blocks until it completes,
    /// and on a ring thread that completion can never come.
    /// </summary>
    internal void ThrowIfPendingOnRing(IAsyncResult asyncResult)
    {
        ArgumentNullException.ThrowIfNull(asyncResult);
        if (!asyncResult.IsCompleted && _transport.OnEngineThread)
        {
            throw new InvalidOperationException("Ending a pending operation on a BypassNet ring thread would deadlock the ring; end it in its callback.");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
