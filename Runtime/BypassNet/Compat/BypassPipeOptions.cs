namespace BypassNet;

/// <summary>Settings of a <see cref="BypassDuplexPipe"/>.</summary>
public sealed class BypassPipeOptions
{
    /// <summary>
    /// Received buffers the input side may hold before it stops receiving (the pipe's pause threshold). Each one is a
    /// kernel-filled ring slot lent to the reader, so this bounds how much of the shared receive ring one connection can
    /// pin while its reader is slow. Default: 16.
    /// </summary>
    public int MaxBufferedReceives { get; set; } = 16;

    /// <summary>
    /// Run the reader's continuation on the thread that delivered the data (the socket's completion thread) instead of
    /// queueing it to the thread pool. Default: true, since that thread is already a pool thread unless the runtime
    /// runs continuations inline on its rings.
    /// </summary>
    public bool InlineReaderContinuations { get; set; } = true;

    internal BypassPipeOptions Clone() => (BypassPipeOptions)MemberwiseClone();

    internal void Validate() => ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBufferedReceives);
}
