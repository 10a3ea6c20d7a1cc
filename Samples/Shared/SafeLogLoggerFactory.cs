using Microsoft.Extensions.Logging;

namespace BypassNet.Samples;

/// <summary>
/// The samples' logger factory: the runtime's messages at <see cref="LogLevel.Information"/> and above (engine choice,
/// degradations, a listener out of descriptors and its recovery) go to a <see cref="SafeLog"/>, so an operator sees
/// them on the console and writing them can never throw into an accept or receive path.
/// </summary>
public sealed class SafeLogLoggerFactory : ILoggerFactory
{
    private readonly SafeLog _log;

    /// <summary>Writes through <paramref name="log"/>.</summary>
    public SafeLogLoggerFactory(SafeLog log) => _log = log;

    /// <summary>A factory writing to standard error (opened at start-up by <see cref="StartupWarmup"/>).</summary>
    public static SafeLogLoggerFactory StandardError() => new(new SafeLog(message => Console.Error.WriteLine(message)));

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(_log);

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider)
    {
        // One fixed sink: the samples take no other providers.
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger : ILogger
    {
        private readonly SafeLog _log;

        public Logger(SafeLog log) => _log = log;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                _log.Write($"bypassnet[{eventId.Id}] {formatter(state, exception)}");
            }
        }
    }
}
