using Microsoft.Extensions.Logging;

namespace BypassNet.Diagnostics;

/// <summary>
/// The logger the engines write through: a provider that throws (a console that cannot open a descriptor under
/// EMFILE, a disposed factory) loses that one message instead of throwing into a ring thread or an accept path.
/// </summary>
internal sealed class GuardedLogger : ILogger
{
    private readonly ILogger _inner;

    private GuardedLogger(ILogger inner) => _inner = inner;

    /// <summary>Wraps <paramref name="logger"/> unless it is guarded already.</summary>
    public static ILogger Wrap(ILogger logger) => logger as GuardedLogger ?? new GuardedLogger(logger);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
    {
        try
        {
            return _inner.BeginScope(state);
        }
        catch (Exception)
        {
            return null;
        }
    }

    public bool IsEnabled(LogLevel logLevel)
    {
        try
        {
            return _inner.IsEnabled(logLevel);
        }
        catch (Exception)
        {
            return false;
        }
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            _inner.Log(logLevel, eventId, state, exception, formatter);
        }
        catch (Exception)
        {
            // Logging is best effort on these paths; the failure it reports is delivered to the caller anyway.
        }
    }
}
