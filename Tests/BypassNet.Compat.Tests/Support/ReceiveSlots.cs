using BypassNet.Testing;

namespace BypassNet.Compat.Tests.Support;

/// <summary>Receive-slot accounting: provided-ring slots on io_uring, the receive pool on the socket engine.</summary>
public static class ReceiveSlots
{
    /// <summary>Slots nobody holds, and how many there are.</summary>
    public static (int Available, int Count) Of(BypassRuntime runtime) => ReceiveSlotCount.Of(runtime);

    /// <summary>
    /// Waits (hang guard only) until every receive slot and send buffer is back at one moment, then asserts that
    /// snapshot. A slot rented for a moment afterwards (a late end-of-stream read on a closing connection) is not a
    /// leak; a slot that never comes back fails at the hang guard.
    /// </summary>
    public static async Task AssertAllHomeAsync(BypassRuntime runtime)
    {
        DateTime deadline = DateTime.UtcNow + Deadline.Hang;
        while (true)
        {
            (int available, int count) = Of(runtime);
            int buffersAvailable = runtime.Buffers.Available;
            bool home = available == count && buffersAvailable == runtime.Buffers.Count;
            if (home || DateTime.UtcNow >= deadline)
            {
                Assert.Equal(count, available);
                Assert.Equal(runtime.Buffers.Count, buffersAvailable);
                return;
            }

            await Task.Delay(10);
        }
    }
}
