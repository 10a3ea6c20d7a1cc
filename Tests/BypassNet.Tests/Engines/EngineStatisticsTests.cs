using BypassNet.Engines;

namespace BypassNet.Tests.Engines;

public sealed class EngineStatisticsTests
{
    [Fact]
    public void Each_ring_adds_to_its_own_stripe_and_the_sum_sees_them_all()
    {
        var statistics = new EngineStatistics();
        EngineCounters ring0 = statistics.ForRing(0);
        EngineCounters ring1 = statistics.ForRing(1);
        if (Environment.ProcessorCount > 1)
        {
            Assert.NotSame(ring0, ring1);
        }

        ring0.Add(ref ring0.Sends);
        ring0.Add(ref ring0.BytesSent, 10);
        ring1.Add(ref ring1.Sends);
        ring1.Add(ref ring1.BytesSent, 5);
        EngineCounters socket = statistics.ForNextSocket();
        socket.Add(ref socket.Receives, 3);

        EngineCounters sum = statistics.Sum();
        Assert.Equal(2, sum.Sends);
        Assert.Equal(15, sum.BytesSent);
        Assert.Equal(3, sum.Receives);
    }
}
