using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BypassNet.Samples.Resp;

/// <summary>A Redis-protocol (RESP2) key-value server on BypassNet's owned buffers. Start, use, dispose.</summary>
public sealed class RespServer : IAsyncDisposable
{
    private static readonly TimeSpan RefusalLinger = TimeSpan.FromSeconds(1);
    private static readonly byte[] MaxClientsReply = "-ERR max number of clients reached\r\n"u8.ToArray();

    private readonly BypassRuntime _runtime;
    private readonly BypassSocket _listener;
    private readonly KeyValueStore _store = new();
    private readonly CommandDispatcher _dispatcher;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<Connection> _connections = new();
    private readonly Lock _connectionsGate = new();
    private readonly Task _acceptLoop;
    private readonly AcceptBackoff _backoff;
    private long _refused;

    private RespServer(RespServerOptions options)
    {
        if (options.MaxClients is { } given)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(given, nameof(options.MaxClients));
        }

        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RespServer>();
        // A failing accept is worth an operator's attention, like redis-server's "Error accepting a client connection":
        // logged, or written to stderr when no logger is configured.
        ILogger logger = _logger;
        _backoff = new AcceptBackoff(new SafeLog(options.LoggerFactory is null
            ? message => Console.Error.WriteLine(message)
            : message => logger.Log(LogLevel.Warning, "{Message}", message)));
        _dispatcher = new CommandDispatcher(_store);
        _runtime = BypassRuntime.Create(new BypassNetOptions
        {
            Engine = options.Engine,
            RingCount = options.RingCount,
            InlineContinuations = options.InlineContinuations,
            SendBufferCount = options.SendBufferCount,
            // With no logger configured, the runtime's messages (descriptor exhaustion and recovery) go to stderr.
            LoggerFactory = options.LoggerFactory ?? SafeLogLoggerFactory.StandardError(),
        });
        try
        {
            _listener = new BypassSocket(_runtime, options.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _listener.Bind(new IPEndPoint(options.Address, options.Port));
            _listener.Listen(1024);
            EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
            // Counted now that the runtime, its rings and the listener hold their descriptors.
            MaxClients = options.MaxClients ?? DescriptorBudget.MaxConnections(10000);
        }
        catch
        {
            _listener?.Dispose();
            _runtime.Dispose();
            _store.Dispose();
            throw;
        }

        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Where the server listens (with the actual port when 0 was asked for).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The engine in use (after any fallback).</summary>
    public EngineKind Engine => _runtime.Engine;

    /// <summary>The BypassNet runtime under the server (statistics, fallback reason).</summary>
    public BypassRuntime Runtime => _runtime;

    /// <summary>Most clients served at once: <see cref="RespServerOptions.MaxClients"/>, or what the descriptor budget allows.</summary>
    public int MaxClients { get; }

    /// <summary>Clients turned away with <c>-ERR max number of clients reached</c>.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Number of open client connections.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_connectionsGate)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Binds, listens and starts accepting.</summary>
    public static RespServer Start(RespServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new RespServer(options);
    }

    /// <summary>Stops accepting, closes every connection, then stops the runtime.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        Connection[] open;
        lock (_connectionsGate)
        {
            open = [.. _connections];
        }

        foreach (Connection connection in open)
        {
            connection.Abort();
        }

        // Connections end promptly once their sockets are closed; do not hang shutdown on a stuck one.
        DateTime deadline = DateTime.UtcNow.AddSeconds(5);
        while (ConnectionCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }

        _runtime.Dispose();
        _store.Dispose();
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        // Leave the constructor before the first accept completes inline on a ring thread.
        await Task.Yield();
        while (!_stopping.IsCancellationRequested)
        {
            BypassSocket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // Never EMFILE/ENFILE (the listener waits those out itself): one failed attempt, or an error that may persist.
                await _backoff.OnFailureAsync(ex).ConfigureAwait(false);
                continue;
            }

            _backoff.OnSuccess();
            if (ConnectionCount >= MaxClients)
            {
                _ = RefuseAsync(socket);
                continue;
            }

            try
            {
                // Replies are batched per receive already; Nagle would only add latency.
                socket.NoDelay = true;
            }
            catch (SocketException)
            {
                socket.Dispose();
                continue;
            }

            var connection = new Connection(socket, _dispatcher, _logger);
            lock (_connectionsGate)
            {
                _connections.Add(connection);
            }

            _ = RunConnectionAsync(connection);
        }
    }

    /// <summary>
    /// Like redis-server past maxclients: one error reply, then close. The close waits (briefly) for the client to
    /// close first, so commands it already sent do not turn the close into a reset that could discard the reply.
    /// </summary>
    private async Task RefuseAsync(BypassSocket socket)
    {
        Interlocked.Increment(ref _refused);
        try
        {
            if (socket.Buffers.TryRent(out OwnedBuffer reply))
            {
                MaxClientsReply.CopyTo(reply.Span);
                reply.Length = MaxClientsReply.Length;
                await socket.SendAsync(reply).ConfigureAwait(false);
            }

            socket.Shutdown(SocketShutdown.Send);
            using var linger = new CancellationTokenSource(RefusalLinger);
            while (true)
            {
                using OwnedBuffer ignored = await socket.ReceiveAsync(linger.Token).ConfigureAwait(false);
                if (ignored.Length == 0)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The client kept the connection open: close it anyway.
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The client is gone already: nothing to refuse.
        }
        finally
        {
            await socket.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task RunConnectionAsync(Connection connection)
    {
        try
        {
            await connection.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            lock (_connectionsGate)
            {
                _connections.Remove(connection);
            }
        }
    }
}
