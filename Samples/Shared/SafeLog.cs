namespace BypassNet.Samples;

/// <summary>
/// A log line sink that never throws into the caller: a server's accept and connection loops must not end because
/// writing a message failed (a console that cannot be opened under EMFILE, a closed pipe).
/// </summary>
public sealed class SafeLog
{
    private readonly Action<string>? _sink;
    private long _lost;

    /// <summary>Writes to <paramref name="sink"/>; null discards.</summary>
    public SafeLog(Action<string>? sink) => _sink = sink;

    /// <summary>Messages the sink failed to take.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    /// <summary>Writes <paramref name="message"/>, or counts it as lost if the sink throws.</summary>
    public void Write(string message)
    {
        try
        {
            _sink?.Invoke(message);
        }
        catch (Exception)
        {
            // Deliberately swallowed: losing a log line is better than losing the server.
            Interlocked.Increment(ref _lost);
        }
    }
}
