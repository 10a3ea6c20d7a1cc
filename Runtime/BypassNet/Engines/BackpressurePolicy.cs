namespace BypassNet.Engines;

/// <summary>
/// How much a socket may hold that its application has not taken yet, for both engines alike.
/// <list type="bullet">
/// <item>Ring slots: a socket keeps at most <see cref="MaxHeldSlotsPerSocket"/> provided-ring slots of unread data.
/// Past that, or when the ring runs low, its queued data is copied into memory of its own and the slots go back at
/// once (compaction), so tiny segments (slowloris, dribbling) cost bytes, not slots.</item>
/// <item>Bytes: at <see cref="MaxUnreadBytesPerSocket"/> unread bytes the socket's receive is paused (the io_uring
/// engine cancels its multishot receive; the socket engine never reads ahead), so TCP flow control holds the rest in
/// that peer's kernel buffers alone. It resumes once the application has drained half of it.</item>
/// <item>Accepts: a listener's multishot accept pauses at <see cref="MaxQueuedAccepts"/>.</item>
/// </list>
/// Buffers the application holds as <see cref="OwnedBuffer"/> leases are its own, like pool rentals: they are not
/// counted here, and holding many of them is backpressure the application applies to itself. On a ring running low,
/// owned receives are served from compacted memory, so such leases do not keep ring slots either.
/// </summary>
internal sealed class BackpressurePolicy
{
    public BackpressurePolicy(BypassNetOptions options)
    {
        // 4 slots on the default 512-slot ring: 128 sockets at their bound still leave the ring free; beyond that the
        // low-ring compaction below keeps at least half of it free whatever the number of sockets. Never below 1.
        MaxHeldSlotsPerSocket = Math.Clamp(options.ReceiveBuffersPerRing / 128, 1, 4);
        MaxUnreadBytesPerSocket = Math.Max(64 * 1024, 4 * options.ReceiveBufferSize);
        ReceiveBuffersTotal = options.ReceiveBuffersPerRing * options.RingCount;
    }

    /// <summary>Ring slots (K) a socket may hold for data its application has not taken; more are compacted away.</summary>
    public int MaxHeldSlotsPerSocket { get; }

    /// <summary>Unread bytes (in slots or compacted) at which a socket's receive is paused.</summary>
    public int MaxUnreadBytesPerSocket { get; }

    /// <summary>Receive buffers of the whole engine (ring slots, or the socket engine's pool).</summary>
    public int ReceiveBuffersTotal { get; }

    /// <summary>Accepted connections a listener queues before it leaves the rest in the kernel's backlog.</summary>
    public int MaxQueuedAccepts => 1024;

    /// <summary>
    /// True when a socket holding <paramref name="heldSlots"/> ring slots of unread data must copy them out: past its
    /// bound, or (holding any) when fewer than half of the ring's <paramref name="ringCount"/> slots are left to the kernel.
    /// </summary>
    public bool ShouldCompact(int heldSlots, int ringAvailable, int ringCount) =>
        heldSlots > MaxHeldSlotsPerSocket || (heldSlots > 0 && ringAvailable < ringCount / 2);

    /// <summary>
    /// True when an owned receive should be served from compacted memory rather than a ring slot: the ring is running
    /// low, and a lease the application holds (its own, like a pool rental) must not keep a slot other sockets need.
    /// </summary>
    public bool ShouldCopyBeforeLease(int ringAvailable, int ringCount) => ringAvailable < ringCount / 2;

    /// <summary>True when a socket with <paramref name="unreadBytes"/> waiting should stop receiving.</summary>
    public bool ShouldPauseReceive(long unreadBytes) => unreadBytes >= MaxUnreadBytesPerSocket;

    /// <summary>True when a paused socket has drained enough to receive again.</summary>
    public bool ShouldResumeReceive(long unreadBytes) => unreadBytes <= MaxUnreadBytesPerSocket / 2;

    public bool ShouldPauseAccept(int queued) => queued >= MaxQueuedAccepts;

    public bool ShouldResumeAccept(int queued) => queued <= MaxQueuedAccepts / 2;
}
