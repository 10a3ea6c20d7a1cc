using BypassNet.Engines.Uring;
using BypassNet.Ring;
using BypassNet.Tests.Support;

namespace BypassNet.Tests.Ring;

/// <summary>
/// A quiet ring spins before it sleeps (<see cref="BypassNetOptions.BusyPollMicroseconds"/>): in ping-pong it takes the
/// peer's next message while spinning, every byte still arrives in order, and with 0 it never spins.
/// </summary>
public sealed class BusyPollTests
{
    private const int RoundTrips = 400;

    [SkippableFact]
    public async Task A_ping_pong_connection_is_served_from_the_spin_and_loses_nothing()
    {
        Skip.IfNot(TestEngines.IoUringAvailable, "io_uring is unavailable on this machine");
        Skip.If(Environment.ProcessorCount == 1, "a ring never spins on a single-CPU machine");
        // One ring, so both ends share the loop whose spin is counted; a long budget, so that even a slow or
        // contended machine's idle gaps between round trips stay inside it and the spin is used.
        using BypassRuntime runtime = TestEngines.Create(EngineKind.IoUring, o =>
        {
            o.RingCount = 1;
            o.BusyPollMicroseconds = 10_000;
        });
        (long hits, _) = await PingPongAsync(runtime);
        Assert.True(hits > 0, "no round trip was taken from the spin");
    }

    [SkippableFact]
    public async Task With_a_budget_of_zero_the_ring_never_spins()
    {
        Skip.IfNot(TestEngines.IoUringAvailable, "io_uring is unavailable on this machine");
        using BypassRuntime runtime = TestEngines.Create(EngineKind.IoUring, o =>
        {
            o.RingCount = 1;
            o.BusyPollMicroseconds = 0;
        });
        (long hits, long misses) = await PingPongAsync(runtime);
        Assert.Equal(0, hits);
        Assert.Equal(0, misses);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(10_001)]
    public void A_budget_out_of_range_is_refused(int microseconds)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BypassRuntime.Create(new BypassNetOptions { BusyPollMicroseconds = microseconds }));
    }

    /// <summary>Echoes numbered 64-byte messages one at a time and checks each; returns the ring's spin counts.</summary>
    private static async Task<(long Hits, long Misses)> PingPongAsync(BypassRuntime runtime)
    {
        using BypassSocket listener = TestEngines.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            Task echo = Task.Run(async () =>
            {
                for (int i = 0; i < RoundTrips; i++)
                {
                    byte[] message = await TestEngines.ReceiveExactlyAsync(server, 64);
                    await server.SendAsync(message, System.Net.Sockets.SocketFlags.None);
                }
            });

            byte[] payload = new byte[64];
            for (int i = 0; i < RoundTrips; i++)
            {
                BitConverter.TryWriteBytes(payload, i);
                payload[63] = (byte)i;
                await client.SendAsync(payload, System.Net.Sockets.SocketFlags.None);
                byte[] back = await TestEngines.ReceiveExactlyAsync(client, 64).WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(payload, back);
            }

            await echo.WaitAsync(TimeSpan.FromSeconds(30));
        }

        RingStatistics statistics = ((IoUringSocketEngine)runtime.EngineImpl).Rings[0].Loop.Statistics;
        return (Volatile.Read(ref statistics.BusyPollHits), Volatile.Read(ref statistics.BusyPollMisses));
    }
}
