using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BypassNet.AspNetCore;

/// <summary>
/// Kestrel's entry into BypassNet: binds IP endpoints as <see cref="BypassSocket"/> listeners. Each listener is one
/// listening socket; the runtime spreads accepted connections over its rings round-robin, so every ring's event loop
/// carries its share of the connections.
/// </summary>
public sealed partial class BypassNetTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector, IDisposable
{
    private readonly BypassNetTransportOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private BypassRuntime? _runtime;
    private bool _ownsRuntime;
    private bool _disposed;

    /// <summary>Created by dependency injection (see <c>UseBypassNet</c>).</summary>
    public BypassNetTransportFactory(IOptions<BypassNetTransportOptions> options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("BypassNet.AspNetCore");
    }

    /// <summary>True for IP endpoints; anything else is left to another transport.</summary>
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    /// <summary>Binds a listening socket on <paramref name="endpoint"/>.</summary>
    /// <exception cref="NotSupportedException">The endpoint is not an <see cref="IPEndPoint"/>.</exception>
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint is not IPEndPoint ip)
        {
            throw new NotSupportedException($"The BypassNet transport binds IP endpoints only, not {endpoint.GetType().Name}.");
        }

        BypassRuntime runtime = EnsureRuntime();
        var listener = new BypassConnectionListener(runtime, ip, _options, _logger);
        LogListening(_logger, listener.EndPoint, runtime.Engine);
        return new ValueTask<IConnectionListener>(listener);
    }

    /// <summary>Disposes the runtime the transport created (after Kestrel has disposed its listeners).</summary>
    public void Dispose()
    {
        BypassRuntime? runtime;
        lock (_gate)
        {
            _disposed = true;
            runtime = _ownsRuntime ? _runtime : null;
            _runtime = null;
        }

        runtime?.Dispose();
    }

    private BypassRuntime EnsureRuntime()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_runtime is not null)
            {
                return _runtime;
            }

            if (_options.Runtime is { } given)
            {
                _runtime = given;
            }
            else
            {
                BypassNetOptions runtimeOptions = _options.RuntimeOptions;
                runtimeOptions.LoggerFactory ??= _loggerFactory;
                _runtime = BypassRuntime.Create(runtimeOptions);
                _ownsRuntime = true;
            }

            if (_runtime.Engine == EngineKind.IoUring)
            {
                LogIoUring(_logger, _runtime.Options.RingCount);
            }
            else
            {
                LogFallback(_logger, _runtime.FallbackReason ?? "unknown");
            }

            return _runtime;
        }
    }

    [LoggerMessage(1, LogLevel.Information, "BypassNet transport on io_uring with {RingCount} rings.")]
    private static partial void LogIoUring(ILogger logger, int ringCount);

    [LoggerMessage(2, LogLevel.Warning, "BypassNet transport fell back to the socket engine (System.Net.Sockets): {Reason}.")]
    private static partial void LogFallback(ILogger logger, string reason);

    [LoggerMessage(3, LogLevel.Debug, "BypassNet transport listening on {EndPoint} ({Engine} engine).")]
    private static partial void LogListening(ILogger logger, EndPoint endPoint, EngineKind engine);
}
