using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace BypassNet.AspNetCore;

/// <summary>
/// One listening <see cref="BypassSocket"/>. Accepted connections become <see cref="BypassConnection"/>s. Unbinding
/// stops accepting; disposing also waits until every connection it produced has been disposed and its socket closed,
/// so a graceful shutdown never cuts off a response still being sent.
/// </summary>
internal sealed partial class BypassConnectionListener : IConnectionListener
{
    private readonly BypassNetTransportOptions _options;
    private readonly ILogger _logger;
    private readonly BypassSocket _listenSocket;
    private readonly ConcurrentDictionary<BypassConnection, byte> _connections = new();
    private volatile bool _unbound;

    public BypassConnectionListener(BypassRuntime runtime, IPEndPoint endpoint, BypassNetTransportOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _listenSocket = new BypassSocket(runtime, endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                _listenSocket.DualMode = true;
            }

            _listenSocket.Bind(endpoint);
            _listenSocket.Listen(options.Backlog);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            _listenSocket.Dispose();
            throw new AddressInUseException(ex.Message, ex);
        }
        catch
        {
            _listenSocket.Dispose();
            throw;
        }

        EndPoint = _listenSocket.LocalEndPoint!;
    }

    public EndPoint EndPoint { get; }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            BypassSocket accepted;
            try
            {
                accepted = await _listenSocket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (_unbound && ex is ObjectDisposedException or SocketException)
            {
                return null;
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.OperationAborted)
            {
                return null;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                // The client gave up before we accepted: nothing to hand to Kestrel, keep accepting.
                LogAcceptReset(_logger, ex.SocketErrorCode);
                continue;
            }

            try
            {
                accepted.NoDelay = _options.NoDelay;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Reset already: the connection will report it on its first read.
            }

            var connection = new BypassConnection(accepted, _options.Pipe, _logger, Forget);
            _connections.TryAdd(connection, 0);
            connection.Start();
            return connection;
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _unbound = true;
        return _listenSocket.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await UnbindAsync().ConfigureAwait(false);

        // Kestrel has closed (or aborted) its connections by now; wait for their sends to drain and sockets to close.
        BypassConnection[] remaining = [.. _connections.Keys];
        if (remaining.Length > 0)
        {
            LogDraining(_logger, remaining.Length);
            await Task.WhenAll(remaining.Select(static c => c.Closed)).ConfigureAwait(false);
        }

    }

    private void Forget(BypassConnection connection) => _connections.TryRemove(connection, out _);

    [LoggerMessage(10, LogLevel.Debug, "Accept failed with {Error}; the client went away before it was accepted.")]
    private static partial void LogAcceptReset(ILogger logger, SocketError error);

    [LoggerMessage(11, LogLevel.Debug, "Waiting for {Count} connections to close.")]
    private static partial void LogDraining(ILogger logger, int count);
}
