using System.Net;
using System.Net.Sockets;

namespace BypassNet;

/// <summary>
/// A listener for TCP connections with the shape of <see cref="TcpListener"/> (constructors, <see cref="Start()"/>,
/// <see cref="Stop"/>, <see cref="AcceptSocket"/>, <see cref="AcceptTcpClient"/> and their async forms), whose accepted
/// connections are <see cref="BypassSocket"/>s (or <see cref="BypassTcpClient"/>s over them). Programs built on
/// <c>TcpListener</c> swap the listener type and keep their accept loop.
/// </summary>
/// <remarks>
/// <see cref="AcceptTcpClient"/> and <see cref="AcceptTcpClientAsync()"/> hand out <see cref="BypassTcpClient"/>s. As with <see cref="TcpListener"/>, the listening socket exists from
/// construction (so options such as <see cref="ExclusiveAddressUse"/> can be set before <see cref="Start()"/>), and
/// <see cref="Stop"/> closes it and prepares a fresh one, so the listener can be started again.
/// </remarks>
public sealed class BypassTcpListener : IDisposable
{
    private readonly BypassRuntime _runtime;
    private readonly IPEndPoint _endpoint;
    private readonly bool _dualMode;
    private BypassSocket _server;
    // Read by accepts that a close fails on another thread (the ring's, or the pool's).
    private volatile bool _active;
    private bool _disposed;

    /// <summary>Creates a listener for <paramref name="localEP"/> on <see cref="BypassRuntime.Shared"/>, like <c>new TcpListener(localEP)</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="localEP"/> is null.</exception>
    public BypassTcpListener(IPEndPoint localEP)
        : this(BypassRuntime.Shared, localEP)
    {
    }

    /// <summary>Creates a listener for <paramref name="localaddr"/>:<paramref name="port"/> on <see cref="BypassRuntime.Shared"/>, like <c>new TcpListener(localaddr, port)</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="localaddr"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not a valid port.</exception>
    public BypassTcpListener(IPAddress localaddr, int port)
        : this(BypassRuntime.Shared, new IPEndPoint(localaddr ?? throw new ArgumentNullException(nameof(localaddr)), port))
    {
    }

    /// <summary>Creates a listener for <paramref name="localEP"/> on <paramref name="runtime"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="runtime"/> or <paramref name="localEP"/> is null.</exception>
    public BypassTcpListener(BypassRuntime runtime, IPEndPoint localEP)
        : this(runtime, localEP, dualMode: false)
    {
    }

    private BypassTcpListener(BypassRuntime runtime, IPEndPoint localEP, bool dualMode)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(localEP);
        _runtime = runtime;
        _endpoint = localEP;
        _dualMode = dualMode;
        _server = CreateServer();
    }

    /// <summary>
    /// A listener on every address for <paramref name="port"/>, IPv4 and IPv6 alike where the system has IPv6 (as
    /// <see cref="TcpListener.Create(int)"/>), on <see cref="BypassRuntime.Shared"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not a valid port.</exception>
    public static BypassTcpListener Create(int port)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        return Socket.OSSupportsIPv6
            ? new BypassTcpListener(BypassRuntime.Shared, new IPEndPoint(IPAddress.IPv6Any, port), dualMode: true)
            : new BypassTcpListener(BypassRuntime.Shared, new IPEndPoint(IPAddress.Any, port), dualMode: false);
    }

    /// <summary>The listening socket (as <see cref="TcpListener.Server"/>).</summary>
    public BypassSocket Server => _server;

    /// <summary>The bound endpoint once started (with the port the system chose for port 0), the requested one before.</summary>
    public EndPoint LocalEndpoint => _active ? _server.LocalEndPoint ?? _endpoint : _endpoint;

    /// <summary>Whether the listener is started (<see cref="TcpListener"/> keeps this protected; it is public here).</summary>
    public bool Active => _active;

    /// <summary>Exclusive use of the address (as <see cref="TcpListener.ExclusiveAddressUse"/>); settable only before <see cref="Start()"/>.</summary>
    /// <exception cref="InvalidOperationException">Set while the listener is started.</exception>
    public bool ExclusiveAddressUse
    {
        get => _server.ExclusiveAddressUse;
        set
        {
            if (_active)
            {
                throw new InvalidOperationException("The listener must be stopped to change ExclusiveAddressUse.");
            }

            _server.ExclusiveAddressUse = value;
        }
    }

    /// <summary>Binds and listens with the system's largest backlog (as <see cref="TcpListener.Start()"/>).</summary>
    /// <exception cref="SocketException">The address is in use, or another socket error.</exception>
    public void Start() => Start((int)SocketOptionName.MaxConnections);

    /// <summary>Binds and listens with <paramref name="backlog"/> pending connections at most (as <see cref="TcpListener.Start(int)"/>).</summary>
    /// <exception cref="SocketException">The address is in use, or another socket error.</exception>
    public void Start(int backlog)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(backlog);
        if (_active)
        {
            return;
        }

        _server.Bind(_endpoint);
        _server.Listen(backlog);
        _active = true;
    }

    /// <summary>Closes the listening socket, failing pending accepts, and prepares a new one (as <see cref="TcpListener.Stop"/>).</summary>
    public void Stop()
    {
        // Inactive before the close: the close can fail a pending accept on another thread before Dispose returns,
        // and that accept must already see a stopped listener to report the abort TcpListener reports.
        _active = false;
        _server.Dispose();
        if (!_disposed)
        {
            _server = CreateServer();
        }
    }

    /// <summary>Whether a connection is waiting to be accepted (as <see cref="TcpListener.Pending"/>); does not block.</summary>
    /// <exception cref="InvalidOperationException">The listener is not started.</exception>
    public bool Pending() => ListeningServer().HasPendingAccept;

    /// <summary>Accepts a connection, blocking (as <see cref="TcpListener.AcceptSocket"/>).</summary>
    /// <exception cref="InvalidOperationException">The listener is not started.</exception>
    /// <exception cref="SocketException"><see cref="Stop"/> or <see cref="Dispose"/> ended the wait (<see cref="SocketError.OperationAborted"/>).</exception>
    public BypassSocket AcceptSocket()
    {
        BypassSocket server = ListeningServer();
        try
        {
            return server.Accept();
        }
        catch (ObjectDisposedException) when (StoppedSince(server))
        {
            throw Aborted();
        }
    }

    /// <summary>Accepts a connection (as <see cref="TcpListener.AcceptSocketAsync()"/>).</summary>
    /// <exception cref="InvalidOperationException">The listener is not started.</exception>
    /// <exception cref="SocketException"><see cref="Stop"/> or <see cref="Dispose"/> ended the wait (<see cref="SocketError.OperationAborted"/>).</exception>
    public Task<BypassSocket> AcceptSocketAsync() => AcceptSocketAsync(CancellationToken.None).AsTask();

    /// <summary>Accepts a connection (as <see cref="TcpListener.AcceptSocketAsync(CancellationToken)"/>).</summary>
    /// <exception cref="InvalidOperationException">The listener is not started.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SocketException"><see cref="Stop"/> or <see cref="Dispose"/> ended the wait (<see cref="SocketError.OperationAborted"/>).</exception>
    public ValueTask<BypassSocket> AcceptSocketAsync(CancellationToken cancellationToken) => AcceptAsync(ListeningServer(), cancellationToken);

    /// <summary>Accepts a connection as a client, blocking (as <see cref="TcpListener.AcceptTcpClient"/>).</summary>
    /// <exception cref="InvalidOperationException">The listener is not started.</exception>
    /// <exception cref="SocketException"><see cref="Stop"/> or <see cref="Dispose"/> ended the wait (<see cref="SocketError.OperationAborted"/>).</exception>
    public BypassTcpClient AcceptTcpClient() => new(AcceptSocket());

    /// <summary>Accepts a connection as a client (as <see cref="TcpListener.AcceptTcpClientAsync()"/>).</summary>
    /// <exception cref="InvalidOperationException">The listener is not started.</exception>
    /// <exception cref="SocketException"><see cref="Stop"/> or <see cref="Dispose"/> ended the wait (<see cref="SocketError.OperationAborted"/>).</exception>
    public Task<BypassTcpClient> AcceptTcpClientAsync() => AcceptTcpClientAsync(CancellationToken.None).AsTask();

    /// <summary>Accepts a connection as a client (as <see cref="TcpListener.AcceptTcpClientAsync(CancellationToken)"/>).</summary>
    /// <exception cref="InvalidOperationException">The listener is not started.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SocketException"><see cref="Stop"/> or <see cref="Dispose"/> ended the wait (<see cref="SocketError.OperationAborted"/>).</exception>
    public async ValueTask<BypassTcpClient> AcceptTcpClientAsync(CancellationToken cancellationToken) =>
        new(await AcceptSocketAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Begins accepting a connection (as <see cref="TcpListener.BeginAcceptSocket"/>).</summary>
    /// <exception cref="InvalidOperationException">The listener is not started.</exception>
    public IAsyncResult BeginAcceptSocket(AsyncCallback? callback, object? state) =>
        TaskToAsyncResult.Begin(AcceptSocketAsync(), callback, state);

    /// <summary>Ends an accept (as <see cref="TcpListener.EndAcceptSocket"/>).</summary>
    /// <exception cref="ObjectDisposedException"><see cref="Stop"/> ended the wait, as TcpListener reports it here.</exception>
    /// <exception cref="ArgumentException"><paramref name="asyncResult"/> did not come from <see cref="BeginAcceptSocket"/>.</exception>
    public BypassSocket EndAcceptSocket(IAsyncResult asyncResult) => EndAccept<BypassSocket>(asyncResult);

    /// <summary>Begins accepting a connection as a client (as <see cref="TcpListener.BeginAcceptTcpClient"/>).</summary>
    /// <exception cref="InvalidOperationException">The listener is not started.</exception>
    public IAsyncResult BeginAcceptTcpClient(AsyncCallback? callback, object? state) =>
        TaskToAsyncResult.Begin(AcceptTcpClientAsync(), callback, state);

    /// <summary>Ends an accept as a client (as <see cref="TcpListener.EndAcceptTcpClient"/>).</summary>
    /// <exception cref="ObjectDisposedException"><see cref="Stop"/> ended the wait, as TcpListener reports it here.</exception>
    /// <exception cref="ArgumentException"><paramref name="asyncResult"/> did not come from <see cref="BeginAcceptTcpClient"/>.</exception>
    public BypassTcpClient EndAcceptTcpClient(IAsyncResult asyncResult) => EndAccept<BypassTcpClient>(asyncResult);

    /// <summary>Stops the listener for good.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Stop();
    }

    // TcpListener's End methods turn the abort of a stopped listener into ObjectDisposedException, which is what
    // callback-style accept loops catch to end.
    private T EndAccept<T>(IAsyncResult asyncResult)
    {
        try
        {
            return TaskToAsyncResult.End<T>(asyncResult);
        }
        catch (SocketException) when (!_active)
        {
            throw new ObjectDisposedException(typeof(BypassSocket).FullName);
        }
    }

    private async ValueTask<BypassSocket> AcceptAsync(BypassSocket server, CancellationToken cancellationToken)
    {
        try
        {
            return await server.AcceptAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException) when (StoppedSince(server))
        {
            throw Aborted();
        }
    }

    // Stop closed the socket this accept waited on. TcpListener reports that as an aborted operation, which accept
    // loops catch (SocketException) to end; an ObjectDisposedException would escape them.
    private bool StoppedSince(BypassSocket server) => !_active || !ReferenceEquals(server, _server);

    private static SocketException Aborted() => new((int)SocketError.OperationAborted);

    private BypassSocket ListeningServer()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // TcpListener's own message for the same mistake.
        return _active ? _server : throw new InvalidOperationException("Not listening. You must call the Start() method before calling this method.");
    }

    private BypassSocket CreateServer()
    {
        var server = new BypassSocket(_runtime, _endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (_dualMode)
        {
            // Before Bind, as TcpListener.Create does: one socket for IPv4 and IPv6 clients.
            server.DualMode = true;
        }

        return server;
    }
}
