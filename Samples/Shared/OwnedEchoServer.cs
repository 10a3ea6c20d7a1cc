using System.Net;
using System.Net.Sockets;

namespace BypassNet.Samples;

/// <summary>
/// A TCP echo server on BypassNet's owned-buffer path: every buffer the kernel fills is sent back as is, so no byte is
/// copied in user space. One async loop per connection; a connection that fails (peer reset) ends alone.
/// </summary>
/// <remarks>
/// Nothing after an <c>await</c> blocks, so the server is safe to run with <see cref="BypassNetOptions.InlineContinuations"/>,
/// which is how it should run: continuations stay on the ring thread and the next send joins the same io_uring_enter.
/// </remarks>
public sealed class OwnedEchoServer : IAsyncDisposable
{
    private readonly BypassSocket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<BypassSocket> _connections = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SafeLog _log;
    private readonly AcceptBackoff _backoff;
    private readonly int _maxConnections;
    private Task _acceptLoop = Task.CompletedTask;
    private long _accepted;
    private long _failed;
    private long _refused;

    private OwnedEchoServer(BypassSocket listener, Action<string>? log, int maxConnections)
    {
        _listener = listener;
        _log = new SafeLog(log);
        _backoff = new AcceptBackoff(_log);
        _maxConnections = maxConnections;
    }

    /// <summary>The endpoint the server listens on (with the port the OS chose when asked for port 0).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>The runtime the server's sockets run on.</summary>
    public BypassRuntime Runtime => _listener.Runtime;

    /// <summary>Connections accepted so far.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Connections that ended with an error (peer reset and the like) rather than an orderly close.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Connections closed at once because <see cref="MaxConnections"/> were open.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Most connections served at once; more are accepted and closed straight away.</summary>
    public int MaxConnections => _maxConnections;

    /// <summary>Connections open right now.</summary>
    public int Open
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Binds, listens and starts accepting on <paramref name="runtime"/>.</summary>
    /// <param name="runtime">The runtime whose engine carries the sockets.</param>
    /// <param name="endPoint">Where to listen; port 0 picks a free port.</param>
    /// <param name="log">Where to report connection failures; null to count them silently. Exceptions it throws are swallowed.</param>
    /// <param name="maxConnections">
    /// Most connections served at once; 0 (the default) for what the descriptor limit allows (<see cref="DescriptorBudget"/>).
    /// </param>
    /// <exception cref="SocketException">The endpoint cannot be bound.</exception>
    public static OwnedEchoServer Start(BypassRuntime runtime, IPEndPoint endPoint, Action<string>? log = null, int maxConnections = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxConnections);
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(endPoint);
        var listener = new BypassSocket(runtime, endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(endPoint);
            listener.Listen(1024);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var server = new OwnedEchoServer(listener, log, maxConnections == 0 ? DescriptorBudget.MaxConnections(int.MaxValue) : maxConnections);
        server._acceptLoop = server.AcceptLoopAsync();
        return server;
    }

    /// <summary>Stops accepting, closes every connection and waits until each connection's loop has ended.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);

        BypassSocket[] open;
        lock (_connections)
        {
            open = [.. _connections];
            if (open.Length == 0)
            {
                _drained.TrySetResult();
            }
        }

        // Closing fails the pending receive of each loop, which then unregisters itself.
        foreach (BypassSocket connection in open)
        {
            connection.Dispose();
        }

        await _drained.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        CancellationToken stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            BypassSocket connection;
            try
            {
                connection = await _listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (stopping.IsCancellationRequested && ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }
            catch (SocketException ex)
            {
                // Never EMFILE/ENFILE (the listener waits those out itself): one failed attempt, or an error that may persist.
                await _backoff.OnFailureAsync(ex).ConfigureAwait(false);
                continue;
            }

            _backoff.OnSuccess();
            Interlocked.Increment(ref _accepted);
            bool refuse;
            lock (_connections)
            {
                if (stopping.IsCancellationRequested)
                {
                    connection.Dispose();
                    break;
                }

                refuse = _connections.Count >= _maxConnections;
                if (!refuse)
                {
                    _connections.Add(connection);
                }
            }

            if (refuse)
            {
                // Over the limit: close at once so the client sees an orderly end instead of waiting in the backlog.
                Interlocked.Increment(ref _refused);
                connection.Dispose();
                continue;
            }

            _ = EchoAsync(connection);
        }
    }

    private async Task EchoAsync(BypassSocket connection)
    {
        // Taken now: after a reset the endpoint may no longer be readable.
        EndPoint? peer = Peer(connection);
        try
        {
            // Ping-pong payloads are tiny: do not let Nagle hold a reply back waiting for an ACK.
            connection.NoDelay = true;

            // The last send is awaited only when the next receive has landed: by then its completion is in (the peer
            // answered what it sent), so the await finishes at once and each round trip resumes this loop once, not
            // twice. Sends stay one at a time, in order, and a failed send still ends the connection.
            ValueTask<int> sending = default;
            try
            {
                while (true)
                {
                    OwnedBuffer received = await connection.ReceiveAsync().ConfigureAwait(false);
                    ValueTask<int> sent = sending;
                    sending = default;
                    try
                    {
                        await sent.ConfigureAwait(false);
                    }
                    catch
                    {
                        received.Dispose();
                        throw;
                    }

                    if (received.Length == 0)
                    {
                        // The peer closed its side: nothing more to echo.
                        received.Dispose();
                        break;
                    }

                    // The buffer the kernel filled goes straight back out; it returns to the receive ring once sent.
                    sending = connection.SendAsync(received);
                }
            }
            finally
            {
                // A receive that failed leaves the last send in flight: it is awaited (and its error seen) before the close.
                await sending.ConfigureAwait(false);
            }
        }
        catch (SocketException ex)
        {
            Interlocked.Increment(ref _failed);
            _log.Write($"connection from {peer} failed: {ex.SocketErrorCode} ({ex.Message})");
        }
        catch (ObjectDisposedException) when (_stopping.IsCancellationRequested)
        {
            // Closed by DisposeAsync: the server is stopping.
        }
        catch (Exception ex)
        {
            // Anything else is a bug worth seeing, but it is still only this connection's.
            Interlocked.Increment(ref _failed);
            _log.Write($"connection from {peer} failed: {ex}");
        }
        finally
        {
            connection.Dispose();
            lock (_connections)
            {
                _connections.Remove(connection);
                if (_connections.Count == 0 && _stopping.IsCancellationRequested)
                {
                    _drained.TrySetResult();
                }
            }
        }
    }

    private static EndPoint? Peer(BypassSocket connection)
    {
        try
        {
            return connection.RemoteEndPoint;
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
        {
            return null;
        }
    }
}
