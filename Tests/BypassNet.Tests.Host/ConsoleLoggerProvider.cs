using Microsoft.Extensions.Logging;

namespace BypassNet.Tests.Host;

/// <summary>Writes every log event to stdout as one line, so the parent test can read what BypassNet said.</summary>
internal sealed class ConsoleLoggerProvider : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new LineLogger(categoryName);

    public void Dispose()
    {
    }

    private sealed class LineLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Console.Out.WriteLine($"log {logLevel} {category} [{eventId.Id}] {formatter(state, exception)}");
    }
}
