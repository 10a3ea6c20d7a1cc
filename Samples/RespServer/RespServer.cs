using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BypassNet.Samples.Resp;

/// <summary>A Redis-protocol (RESP2) key-value server on BypassNet's owned buffers. Start, use, dispose.</summary>
public sealed class RespServer : IAsyncDisposable
{
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
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxClients);
        StartupWarmup.Run();
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RespServer>();
        _backoff = new AcceptBackoff(new SafeLog(message => _logger.Log(LogLevel.Warning, "{Message}", message)));
        MaxClients = DescriptorBudget.MaxConnections(options.MaxClients);
        _dispatcher = new CommandDispatcher(_store);
        _runtime = BypassRuntime.Create(new BypassNetOptions
        {
            Engine = options.Engine,
            RingCount = options.RingCount,
            InlineContinuations = options.InlineContinuations,
            SendBufferCount = options.SendBufferCount,
            LoggerFactory = options.LoggerFactory,
        });
        try
        {
            _listener = new BypassSocket(_runtime, options.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _listener.Bind(new IPEndPoint(options.Address, options.Port));
            _listener.Listen(1024);
            EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
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

    /// <summary>Most clients served at once: <see cref="RespServerOptions.MaxClients"/>, lowered to the descriptor budget.</summary>
    public int MaxClients { get; }

    /// <summary>Clients turned away with <c>-ERR max number of clients reached</c>.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Accepts that failed for want of descriptors (EMFILE/ENFILE); the loop backed off and resumed.</summary>
    public long DescriptorFailures => _backoff.DescriptorFailures;

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
                // ECONNABORTED concerns one client; EMFILE passes when connections close: back off, then keep accepting.
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

    /// <summary>Like redis-server past maxclients: one error reply, then close.</summary>
    private async Task RefuseAsync(BypassSocket socket)
    {
        Interlocked.Increment(ref _refused);
        try
        {
            if (socket.Buffers.TryRent(out OwnedBuffer? reply))
            {
                MaxClientsReply.CopyTo(reply.Span);
                reply.Length = MaxClientsReply.Length;
                await socket.SendAsync(reply).ConfigureAwait(false);
            }

            socket.Shutdown(SocketShutdown.Send);
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
            await connection.RunAsync(_stopping.Token).ConfigureAwait(false);
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
