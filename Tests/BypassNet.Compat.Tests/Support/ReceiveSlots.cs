using BypassNet.Testing;

namespace BypassNet.Compat.Tests.Support;

/// <summary>Receive-slot accounting: provided-ring slots on io_uring, the receive pool on the socket engine.</summary>
public static class ReceiveSlots
{
    /// <summary>Slots nobody holds, and how many there are.</summary>
    public static (int Available, int Count) Of(BypassRuntime runtime) => ReceiveSlotCount.Of(runtime);

    /// <summary>Waits (hang guard only) until every receive slot and send buffer is back, then asserts it.</summary>
    public static async Task AssertAllHomeAsync(BypassRuntime runtime)
    {
        DateTime deadline = DateTime.UtcNow + Deadline.Hang;
        while (!(Of(runtime) is var (a, c) && a == c && runtime.Buffers.Available == runtime.Buffers.Count) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        (int available, int count) = Of(runtime);
        Assert.Equal(count, available);
        Assert.Equal(runtime.Buffers.Count, runtime.Buffers.Available);
    }
}
