using System.Net;
using System.Net.Sockets;

namespace BypassNet;

/// <summary>
/// A TCP client connection with the shape of <see cref="TcpClient"/> (constructors, <c>Connect</c> and
/// <c>ConnectAsync</c>, <see cref="GetStream"/>, the socket options), whose <see cref="Client"/> is a
/// <see cref="BypassSocket"/> and whose stream is a <see cref="BypassNetworkStream"/>. Programs built on
/// <c>TcpClient</c> — connecting out, or taking connections from <see cref="BypassTcpListener.AcceptTcpClient"/> —
/// swap the type and keep their code.
/// </summary>
/// <remarks>
/// As with <see cref="TcpClient"/>: the socket exists from construction (dual-mode IPv6 for the parameterless
/// constructor), <see cref="GetStream"/> returns one stream that owns the socket, and <see cref="Dispose"/> closes
/// both. The stream's timeouts are the socket's, so <see cref="ReceiveTimeout"/> and <see cref="SendTimeout"/> apply
/// to its synchronous reads and writes.
/// </remarks>
public sealed class BypassTcpClient : IDisposable
{
    private BypassSocket _client;
    private BypassNetworkStream? _stream;
    private bool _disposed;

    /// <summary>Creates an unconnected client with a dual-mode (IPv6 and IPv4) socket on <see cref="BypassRuntime.Shared"/>, like <c>new TcpClient()</c>.</summary>
    public BypassTcpClient()
        : this(CreateSocket(BypassRuntime.Shared, AddressFamily.Unknown))
    {
    }

    /// <summary>Creates an unconnected client of <paramref name="family"/> on <see cref="BypassRuntime.Shared"/>, like <c>new TcpClient(family)</c> (<see cref="AddressFamily.Unknown"/>: dual-mode).</summary>
    /// <exception cref="ArgumentException"><paramref name="family"/> is not IPv4, IPv6 or Unknown.</exception>
    public BypassTcpClient(AddressFamily family)
        : this(BypassRuntime.Shared, family)
    {
    }

    /// <summary>Creates an unconnected client of <paramref name="family"/> on <paramref name="runtime"/> (<see cref="AddressFamily.Unknown"/>: dual-mode).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="runtime"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="family"/> is not IPv4, IPv6 or Unknown.</exception>
    public BypassTcpClient(BypassRuntime runtime, AddressFamily family)
        : this(CreateSocket(runtime, family))
    {
    }

    /// <summary>Creates a client whose socket is bound to <paramref name="localEP"/>, like <c>new TcpClient(localEP)</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="localEP"/> is null.</exception>
    /// <exception cref="SocketException">The address could not be bound.</exception>
    public BypassTcpClient(IPEndPoint localEP)
        : this(CreateSocket(BypassRuntime.Shared, (localEP ?? throw new ArgumentNullException(nameof(localEP))).AddressFamily))
    {
        try
        {
            _client.Bind(localEP);
        }
        catch
        {
            _client.Dispose();
            throw;
        }
    }

    /// <summary>Creates a client and connects it to <paramref name="hostname"/>:<paramref name="port"/>, blocking, like <c>new TcpClient(hostname, port)</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="hostname"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not a valid port.</exception>
    /// <exception cref="SocketException">No address of the host accepted the connection.</exception>
    public BypassTcpClient(string hostname, int port)
        : this(CreateSocket(BypassRuntime.Shared, AddressFamily.Unknown))
    {
        try
        {
            Connect(hostname, port);
        }
        catch
        {
            _client.Dispose();
            throw;
        }
    }

    /// <summary>Wraps a connected (accepted) socket, which the client then owns.</summary>
    internal BypassTcpClient(BypassSocket socket) => _client = socket;

    /// <summary>The underlying socket (as <see cref="TcpClient.Client"/>); null once the client is disposed, as TcpClient's is.</summary>
    /// <exception cref="ArgumentNullException">The value set is null.</exception>
    public BypassSocket Client
    {
        get => _disposed ? null! : _client;
        set => _client = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Whether the socket was connected at its last operation (as <see cref="TcpClient.Connected"/>).</summary>
    public bool Connected => !_disposed && _client.Connected;

    /// <summary>Bytes received and not yet read (as <see cref="TcpClient.Available"/>).</summary>
    public int Available => Open().Available;

    /// <summary>Whether the socket refuses to share its port (as <see cref="TcpClient.ExclusiveAddressUse"/>).</summary>
    public bool ExclusiveAddressUse
    {
        get => Open().ExclusiveAddressUse;
        set => Open().ExclusiveAddressUse = value;
    }

    /// <summary>How closing waits for unsent data (as <see cref="TcpClient.LingerState"/>).</summary>
    public LingerOption? LingerState
    {
        get => Open().LingerState;
        set => Open().LingerState = value;
    }

    /// <summary>Whether Nagle's algorithm is off (as <see cref="TcpClient.NoDelay"/>).</summary>
    public bool NoDelay
    {
        get => Open().NoDelay;
        set => Open().NoDelay = value;
    }

    /// <summary>The kernel's receive buffer size in bytes (as <see cref="TcpClient.ReceiveBufferSize"/>).</summary>
    public int ReceiveBufferSize
    {
        get => Open().ReceiveBufferSize;
        set => Open().ReceiveBufferSize = value;
    }

    /// <summary>The kernel's send buffer size in bytes (as <see cref="TcpClient.SendBufferSize"/>).</summary>
    public int SendBufferSize
    {
        get => Open().SendBufferSize;
        set => Open().SendBufferSize = value;
    }

    /// <summary>Milliseconds a synchronous receive (and a read of <see cref="GetStream"/>) waits; 0 waits forever (as <see cref="TcpClient.ReceiveTimeout"/>).</summary>
    public int ReceiveTimeout
    {
        get => Open().ReceiveTimeout;
        set => Open().ReceiveTimeout = value;
    }

    /// <summary>Milliseconds a synchronous send (and a write of <see cref="GetStream"/>) waits; 0 waits forever (as <see cref="TcpClient.SendTimeout"/>).</summary>
    public int SendTimeout
    {
        get => Open().SendTimeout;
        set => Open().SendTimeout = value;
    }

    /// <summary>Connects, blocking (as <see cref="TcpClient.Connect(IPAddress, int)"/>).</summary>
    public void Connect(IPAddress address, int port) => Open().Connect(address, port);

    /// <summary>Connects to the first address that accepts, blocking (as <see cref="TcpClient.Connect(IPAddress[], int)"/>).</summary>
    public void Connect(IPAddress[] ipAddresses, int port) => Open().Connect(ipAddresses, port);

    /// <summary>Connects, blocking (as <see cref="TcpClient.Connect(IPEndPoint)"/>).</summary>
    public void Connect(IPEndPoint remoteEP) => Open().Connect(remoteEP);

    /// <summary>Resolves and connects, blocking (as <see cref="TcpClient.Connect(string, int)"/>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="hostname"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not a valid port.</exception>
    public void Connect(string hostname, int port) => Open().Connect(hostname, port);

    /// <summary>Connects (as <see cref="TcpClient.ConnectAsync(IPAddress, int)"/>).</summary>
    public Task ConnectAsync(IPAddress address, int port) => Open().ConnectAsync(address, port);

    /// <summary>Connects (as <see cref="TcpClient.ConnectAsync(IPAddress, int, CancellationToken)"/>).</summary>
    public ValueTask ConnectAsync(IPAddress address, int port, CancellationToken cancellationToken) =>
        Open().ConnectAsync(address, port, cancellationToken);

    /// <summary>Connects to the first address that accepts (as <see cref="TcpClient.ConnectAsync(IPAddress[], int)"/>).</summary>
    public Task ConnectAsync(IPAddress[] addresses, int port) => Open().ConnectAsync(addresses, port);

    /// <summary>Connects to the first address that accepts (as <see cref="TcpClient.ConnectAsync(IPAddress[], int, CancellationToken)"/>).</summary>
    public ValueTask ConnectAsync(IPAddress[] addresses, int port, CancellationToken cancellationToken) =>
        Open().ConnectAsync(addresses, port, cancellationToken);

    /// <summary>Resolves and connects (as <see cref="TcpClient.ConnectAsync(string, int)"/>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="host"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not a valid port.</exception>
    public Task ConnectAsync(string host, int port) => Open().ConnectAsync(host, port);

    /// <summary>Resolves and connects (as <see cref="TcpClient.ConnectAsync(string, int, CancellationToken)"/>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="host"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not a valid port.</exception>
    public ValueTask ConnectAsync(string host, int port, CancellationToken cancellationToken) =>
        Open().ConnectAsync(host, port, cancellationToken);

    /// <summary>Connects (as <see cref="TcpClient.ConnectAsync(IPEndPoint)"/>).</summary>
    public Task ConnectAsync(IPEndPoint remoteEP) => Open().ConnectAsync(remoteEP);

    /// <summary>Connects (as <see cref="TcpClient.ConnectAsync(IPEndPoint, CancellationToken)"/>).</summary>
    public ValueTask ConnectAsync(IPEndPoint remoteEP, CancellationToken cancellationToken) => Open().ConnectAsync(remoteEP, cancellationToken);

    /// <summary>The stream over the connection: the same one on every call, owning the socket (as <see cref="TcpClient.GetStream"/>).</summary>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    /// <exception cref="InvalidOperationException">The client is not connected.</exception>
    public BypassNetworkStream GetStream()
    {
        BypassSocket socket = Open();
        if (_stream is { } stream)
        {
            return stream;
        }

        if (!socket.Connected)
        {
            // TcpClient's exception and wording for the same mistake.
            throw new InvalidOperationException("The operation is not allowed on non-connected sockets.");
        }

        return _stream = new BypassNetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Begins connecting (as <see cref="TcpClient.BeginConnect(IPAddress, int, AsyncCallback, object)"/>).</summary>
    public IAsyncResult BeginConnect(IPAddress address, int port, AsyncCallback? requestCallback, object? state) =>
        TaskToAsyncResult.Begin(ConnectAsync(address, port), requestCallback, state);

    /// <summary>Begins connecting to the first address that accepts (as <see cref="TcpClient.BeginConnect(IPAddress[], int, AsyncCallback, object)"/>).</summary>
    public IAsyncResult BeginConnect(IPAddress[] addresses, int port, AsyncCallback? requestCallback, object? state) =>
        TaskToAsyncResult.Begin(ConnectAsync(addresses, port), requestCallback, state);

    /// <summary>Begins resolving and connecting (as <see cref="TcpClient.BeginConnect(string, int, AsyncCallback, object)"/>).</summary>
    public IAsyncResult BeginConnect(string host, int port, AsyncCallback? requestCallback, object? state) =>
        TaskToAsyncResult.Begin(ConnectAsync(host, port), requestCallback, state);

    /// <summary>Ends a connect (as <see cref="TcpClient.EndConnect"/>): throws the connect's error, if any.</summary>
    /// <exception cref="ArgumentException"><paramref name="asyncResult"/> did not come from a <c>BeginConnect</c>.</exception>
    public void EndConnect(IAsyncResult asyncResult) => TaskToAsyncResult.End(asyncResult);

    /// <summary>Closes the stream and the socket (as <see cref="TcpClient.Close"/>).</summary>
    public void Close() => Dispose();

    /// <summary>Closes the stream and the socket; later calls do nothing.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stream?.Dispose();
        _client.Dispose();
    }

    private BypassSocket Open()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _client;
    }

    private static BypassSocket CreateSocket(BypassRuntime runtime, AddressFamily family)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 or AddressFamily.Unknown))
        {
            throw new ArgumentException($"'{family}' is not a TCP address family; BypassTcpClient takes InterNetwork, InterNetworkV6 or Unknown.", nameof(family));
        }

        if (family != AddressFamily.Unknown)
        {
            return new BypassSocket(runtime, family, SocketType.Stream, ProtocolType.Tcp);
        }

        // TcpClient's default: one IPv6 socket that also reaches IPv4 addresses.
        var socket = new BypassSocket(runtime, AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.DualMode = true;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
