namespace BypassNet.Engines.Uring;

/// <summary>Bytes the kernel put in provided-ring slot <see cref="Bid"/>.</summary>
internal readonly record struct ReceivedChunk(int Bid, int Length);
