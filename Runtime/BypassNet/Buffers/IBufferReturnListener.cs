namespace BypassNet.Buffers;

/// <summary>
/// Told on the ring's thread after slots went back on a <see cref="ProvidedBufferRing"/> (returns from other threads
/// are queued and drained there first). Defined here so the buffer ring never needs to know who waits for slots (the
/// engine's per-ring starvation queue) or how to wake it. Must be cheap: it runs on every batch of returns.
/// </summary>
internal interface IBufferReturnListener
{
    /// <summary><paramref name="count"/> slots were just put back (ring thread).</summary>
    void OnReturned(int count);
}
