namespace BypassNet;

/// <summary>Settings of a <see cref="BypassDuplexPipe"/>.</summary>
public sealed class BypassPipeOptions
{
    /// <summary>
    /// Received buffers the input side may hold before it stops receiving (the pipe's pause threshold). Each one is a
    /// kernel-filled ring slot lent to the reader, so this bounds how much of the shared receive ring one connection can
    /// pin while its reader is slow. Bytes the reader examines without consuming (a request whose headers trickle in)
    /// are copied out of their slots into the pipe's own memory, so in practice a connection holds a few slots at most;
    /// receiving also pauses once 1 MiB is unconsumed. Default: 16.
    /// </summary>
    public int MaxBufferedReceives { get; set; } = 16;

    /// <summary>
    /// Run the reader's continuation on the thread that delivered the data instead of queueing it to the thread pool.
    /// The pipe's own receive pump runs on the socket's completion thread (a ring thread on io_uring); the reader's
    /// continuation is the application's code, so on a ring thread it runs inline only when the runtime's
    /// <see cref="BypassNetOptions.InlineContinuations"/> allows it, and goes to the thread pool otherwise. Default: true.
    /// </summary>
    public bool InlineReaderContinuations { get; set; } = true;

    internal BypassPipeOptions Clone() => (BypassPipeOptions)MemberwiseClone();

    internal void Validate() => ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBufferedReceives);
}
