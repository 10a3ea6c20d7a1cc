namespace BypassNet.Ring;

/// <summary>The loop's bookkeeping for one <see cref="IRingResident"/>: its operations in flight. Loop thread only.</summary>
internal sealed class RingResidency
{
    /// <summary>Operations of the resident that own a slot; changed only by <see cref="RingEventLoop"/>.</summary>
    public int InFlight { get; internal set; }
}
