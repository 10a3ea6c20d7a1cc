using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace BypassNet.AspNetCore;

/// <summary>
/// One accepted connection as Kestrel sees it. Its transport is a <see cref="BypassDuplexPipe"/> handed to Kestrel
/// directly: Kestrel parses requests straight out of the kernel-filled receive buffers and writes responses into
/// registered send buffers, with no intermediate pipe and no receive/send loops of its own.
/// </summary>
/// <remarks>
/// Error reporting follows Kestrel's socket transport: a reset surfaces as <see cref="ConnectionResetException"/>, a
/// connection aborted by Kestrel as the abort reason, and <see cref="ConnectionClosed"/> fires once receiving ends.
/// </remarks>
internal sealed partial class BypassConnection : ConnectionContext,
    IConnectionIdFeature, IConnectionItemsFeature, IConnectionTransportFeature, IConnectionLifetimeFeature, IConnectionEndPointFeature
{
    private static long s_lastId;

    private readonly BypassSocket _socket;
    private readonly BypassDuplexPipe _pipe;
    private readonly ILogger _logger;
    private readonly Action<BypassConnection> _onClosed;
    private readonly CancellationTokenSource _closedSource = new();
    private readonly TaskCompletionSource _closedTokenFired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _shutdownLock = new();
    private IDictionary<object, object?>? _items;
    private string? _connectionId;
    private volatile Exception? _shutdownReason;
    private bool _socketClosed;
    private int _closedFired;

    public BypassConnection(BypassSocket socket, BypassPipeOptions pipeOptions, ILogger logger, Action<BypassConnection> onClosed)
    {
        _socket = socket;
        _logger = logger;
        _onClosed = onClosed;
        _pipe = new BypassDuplexPipe(socket, pipeOptions, start: false);
        _pipe.Reader.ReceiveEnded = OnReceiveEnded;
        _pipe.Writer.SendFailed = OnSendFailed;
        Transport = _pipe;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        ConnectionClosed = _closedSource.Token;

        var features = new FeatureCollection();
        features.Set<IConnectionIdFeature>(this);
        features.Set<IConnectionItemsFeature>(this);
        features.Set<IConnectionTransportFeature>(this);
        features.Set<IConnectionLifetimeFeature>(this);
        features.Set<IConnectionEndPointFeature>(this);
        Features = features;
    }

    public override string ConnectionId
    {
        get => _connectionId ??= "bypass-" + Interlocked.Increment(ref s_lastId).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        set => _connectionId = value;
    }

    public override IFeatureCollection Features { get; }

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new ConnectionItems();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    /// <summary>Completes when the connection has been disposed and its socket closed.</summary>
    internal Task Closed => _disposed.Task;

    internal void Start() => _pipe.Reader.Start();

    public override void Abort(ConnectionAbortedException abortReason)
    {
        // Kestrel may abort without a reason (its output producer does when the connection closes under it).
        abortReason ??= new ConnectionAbortedException("The connection was aborted.");
        LogAbort(_logger, ConnectionId, abortReason.Message);
        Shutdown(abortReason);
    }

    public override async ValueTask DisposeAsync()
    {
        _pipe.Input.Complete();
        _pipe.Output.Complete();
        try
        {
            // Whatever Kestrel committed goes out before the socket closes.
            await _pipe.Writer.WhenDrainedAsync().ConfigureAwait(false);
            Shutdown(null);
            await _socket.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            FireConnectionClosed();
            await _closedTokenFired.Task.ConfigureAwait(false);
            _closedSource.Dispose();
            _onClosed(this);
            _disposed.TrySetResult();
        }
    }

    private Exception? OnReceiveEnded(Exception? error)
    {
        Exception? reported = error switch
        {
            null => null,
            SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.Shutdown } se => new ConnectionResetException(se.Message, se),
            _ => error,
        };

        if (reported is ConnectionResetException && _shutdownReason is null)
        {
            LogReset(_logger, ConnectionId);
        }
        else if (reported is not null && _shutdownReason is null && reported is not ObjectDisposedException)
        {
            LogError(_logger, ConnectionId, reported);
        }

        FireConnectionClosed();

        // Once Kestrel (or a failed send) has shut the connection down, that reason is what readers see.
        return _shutdownReason ?? reported;
    }

    private void OnSendFailed(Exception error)
    {
        Exception reason = error is SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.Shutdown } se
            ? new ConnectionResetException(se.Message, se)
            : error;
        Shutdown(reason);
    }

    private void Shutdown(Exception? reason)
    {
        lock (_shutdownLock)
        {
            if (_socketClosed)
            {
                return;
            }

            _socketClosed = true;
            _shutdownReason = reason ?? new ConnectionAbortedException("The BypassNet transport's connection was closed gracefully.");
            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Tearing down anyway.
            }

            // Pending receives and sends fail now; the descriptor closes after the kernel's last completion.
            _socket.Dispose();
        }
    }

    private void FireConnectionClosed()
    {
        if (Interlocked.Exchange(ref _closedFired, 1) != 0)
        {
            return;
        }

        // Token callbacks are Kestrel's and the application's code: never run them on the thread that saw the end.
        ThreadPool.UnsafeQueueUserWorkItem(
            static connection =>
            {
                try
                {
                    connection._closedSource.Cancel();
                }
                catch (AggregateException ex)
                {
                    LogError(connection._logger, connection.ConnectionId, ex);
                }

                connection._closedTokenFired.TrySetResult();
            },
            this,
            preferLocal: false);
    }

    [LoggerMessage(20, LogLevel.Debug, "Connection {ConnectionId} reset by the client.")]
    private static partial void LogReset(ILogger logger, string connectionId);

    [LoggerMessage(21, LogLevel.Debug, "Connection {ConnectionId} aborted: {Reason}")]
    private static partial void LogAbort(ILogger logger, string connectionId, string reason);

    [LoggerMessage(22, LogLevel.Debug, "Connection {ConnectionId} failed.")]
    private static partial void LogError(ILogger logger, string connectionId, Exception error);
}
