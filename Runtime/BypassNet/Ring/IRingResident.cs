namespace BypassNet.Ring;

/// <summary>
/// Whoever owns operations on a ring (a socket): the ring layer's view of it. The loop asks <see cref="IsClosing"/>
/// before every submission and calls <see cref="OnDrained"/> when the last operation of a closing resident is
/// released, so the resident can free what those operations named (its descriptor). Defined here, implemented above.
/// </summary>
internal interface IRingResident
{
    /// <summary>True once nothing new may be submitted for this resident.</summary>
    bool IsClosing { get; }

    /// <summary>The loop's count of this resident's operations in flight (loop thread only).</summary>
    RingResidency Residency { get; }

    /// <summary>The resident is closing and its last operation was released (loop thread).</summary>
    void OnDrained();
}
