namespace BypassNet.Engines;

/// <summary>
/// How much a socket may hold that its application has not taken yet, for both engines alike: the io_uring engine
/// pauses a socket's multishot receive (or a listener's multishot accept) at the high mark and resumes at half of it;
/// the socket engine bounds the same receive memory with its pool. TCP flow control keeps the rest in the kernel.
/// </summary>
internal sealed class BackpressurePolicy
{
    public BackpressurePolicy(BypassNetOptions options)
    {
        MaxQueuedChunksPerSocket = Math.Max(4, options.ReceiveBuffersPerRing / 8);
        ReceiveBuffersTotal = options.ReceiveBuffersPerRing * options.RingCount;
    }

    /// <summary>Largest number of received chunks a socket may queue before its receive is paused.</summary>
    public int MaxQueuedChunksPerSocket { get; }

    /// <summary>Receive buffers of the whole engine (ring slots, or the socket engine's pool).</summary>
    public int ReceiveBuffersTotal { get; }

    /// <summary>Accepted connections a listener queues before it leaves the rest in the kernel's backlog.</summary>
    public int MaxQueuedAccepts => 1024;

    /// <summary>True when a socket with <paramref name="queuedChunks"/> waiting should stop taking ring slots.</summary>
    public bool ShouldPauseReceive(int queuedChunks) => queuedChunks >= MaxQueuedChunksPerSocket;

    /// <summary>True when a paused socket has drained enough to take slots again.</summary>
    public bool ShouldResumeReceive(int queuedChunks) => queuedChunks <= MaxQueuedChunksPerSocket / 2;

    public bool ShouldPauseAccept(int queued) => queued >= MaxQueuedAccepts;

    public bool ShouldResumeAccept(int queued) => queued <= MaxQueuedAccepts / 2;
}
