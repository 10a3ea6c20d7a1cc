using BypassNet.Buffers;
using BypassNet.Engines.Managed;
using BypassNet.Engines.Uring;

namespace BypassNet.Testing;

/// <summary>
/// Receive-slot accounting for tests that end with "every slot is back home": provided-ring slots on io_uring, the
/// receive pool on the socket engine. Linked into the suites that assert it (their csproj files).
/// </summary>
internal static class ReceiveSlotCount
{
    /// <summary>Slots nobody holds, and how many there are.</summary>
    public static (int Available, int Count) Of(BypassRuntime runtime)
    {
        switch (runtime.EngineImpl)
        {
            case IoUringSocketEngine io:
                int available = 0, count = 0;
                foreach (RingContext ring in io.Rings)
                {
                    if (ring.ReceiveRing is ProvidedBufferRing r)
                    {
                        available += r.Available;
                        count += r.Count;
                    }
                }

                return (available, count);
            case ManagedSocketEngine managed:
                return (managed.ReceivePool.Available, managed.ReceivePool.Count);
            default:
                throw new InvalidOperationException("unknown engine");
        }
    }
}
