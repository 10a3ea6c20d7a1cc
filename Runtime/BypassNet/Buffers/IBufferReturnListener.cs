namespace BypassNet.Buffers;

/// <summary>
/// Told when a slot goes back on a <see cref="ProvidedBufferRing"/>, from whatever thread returned it. Defined here so
/// the buffer ring never needs to know who waits for slots (the engine's per-ring starvation list) or how to wake it.
/// Must be cheap: it runs on every return.
/// </summary>
internal interface IBufferReturnListener
{
    void OnReturned();
}
