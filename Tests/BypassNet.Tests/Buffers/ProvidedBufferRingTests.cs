using BypassNet.Buffers;
using BypassNet.Engines.Uring;
using BypassNet.Tests.Sockets;
using BypassNet.Tests.Support;

namespace BypassNet.Tests.Buffers;

public sealed class ProvidedBufferRingTests
{
    [SkippableFact]
    public async Task A_receive_ring_is_recycled_a_hundred_times_its_size_without_losing_a_slot()
    {
        Skip.IfNot(TestEngines.IoUringAvailable, "io_uring is unavailable on this machine");
        using BypassRuntime runtime = CreateWithEightSlotRing(out _, out ProvidedBufferRing ring);
        using BypassSocket listener = TestEngines.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            Task echo = SocketBehaviourTests.EchoUntilClosedAsync(server);
            const int roundTrips = 1000;
            for (int i = 0; i < roundTrips; i++)
            {
                byte[] message = BitConverter.GetBytes(i);
                await SocketBehaviourTests.SendOwnedAsync(runtime, client, message);
                Assert.Equal(message, await TestEngines.ReceiveExactlyAsync(client, message.Length));
            }

            client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            await echo.WaitAsync(TimeSpan.FromSeconds(30));
            // Each round trip took a slot twice (server and client side): at least 250x the ring's 8 slots.
            Assert.True(runtime.GetStatistics().Receives >= 100 * ring.Count, $"only {runtime.GetStatistics().Receives} receives");
        }

        // Every slot is back on the ring once nobody holds a buffer.
        await AssertAllSlotsComeHomeAsync(ring);
    }

    [SkippableFact]
    public async Task Slots_returned_from_another_thread_reach_a_ring_that_receives_nothing_more()
    {
        // Returns from other threads normally ride on the ring's next receive completion; with no more traffic only
        // the drain timer can bring them home. Three of eight slots are lent, so the ring is not low and nothing is
        // posted at once: this is the timer's path, right after the ring was busy draining (its longer delay).
        Skip.IfNot(TestEngines.IoUringAvailable, "io_uring is unavailable on this machine");
        using BypassRuntime runtime = CreateWithEightSlotRing(out IoUringSocketEngine engine, out ProvidedBufferRing ring);
        using BypassSocket listener = TestEngines.Listen(runtime);
        var pairs = new List<(BypassSocket Client, BypassSocket Server)>();
        var held = new List<OwnedBuffer>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
                pairs.Add((client, server));
                await SocketBehaviourTests.SendOwnedAsync(runtime, client, new byte[] { (byte)i });
                OwnedBuffer received = await server.ReceiveAsync();
                Assert.Equal(1, received.Length);
                held.Add(received);
            }

            Assert.Equal(ring.Count - held.Count, ring.Available);
            await Task.Run(() =>
            {
                Assert.False(engine.Rings[0].Loop.IsCurrentThread);
                foreach (OwnedBuffer buffer in held)
                {
                    buffer.Dispose();
                }
            });
            held.Clear();

            // Without the timer the slots would never come back.
            await AssertAllSlotsComeHomeAsync(ring);
        }
        finally
        {
            foreach (OwnedBuffer buffer in held)
            {
                buffer.Dispose();
            }

            foreach ((BypassSocket client, BypassSocket server) in pairs)
            {
                await client.DisposeAsync();
                await server.DisposeAsync();
            }
        }
    }

    [SkippableFact]
    public async Task Received_buffers_are_page_aligned_slots_of_the_registered_slab()
    {
        Skip.IfNot(TestEngines.IoUringAvailable, "io_uring is unavailable on this machine");
        using BypassRuntime runtime = TestEngines.Create(EngineKind.IoUring);
        var engine = (IoUringSocketEngine)runtime.EngineImpl;
        Assert.All(engine.Rings, r => Assert.NotNull(r.FixedBuffers));
        using BypassSocket listener = TestEngines.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            await SocketBehaviourTests.SendOwnedAsync(runtime, client, new byte[100]);
            using OwnedBuffer received = await server.ReceiveAsync();
            Assert.Equal(100, received.Length);
            unsafe
            {
                using var pin = received.Pin();
                Assert.Equal(0, (long)pin.Pointer % Environment.SystemPageSize);
                Assert.True(engine.SlabContains((nint)pin.Pointer));
            }
        }
    }

    [SkippableFact]
    public async Task A_received_buffer_held_past_the_runtime_keeps_its_bytes_and_the_last_return_frees_the_slab()
    {
        // The ring pins the slab once for itself and its leases: disposing the runtime must not free the memory under
        // a lease still out, and returning that lease (from another thread, after the ring is gone) must free it.
        Skip.IfNot(TestEngines.IoUringAvailable, "io_uring is unavailable on this machine");
        BypassRuntime runtime = CreateWithEightSlotRing(out IoUringSocketEngine engine, out _);
        OwnedBuffer kept;
        OwnedBuffer returnedEarly;
        using (BypassSocket listener = TestEngines.Listen(runtime))
        {
            (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
            await using (client)
            await using (server)
            {
                await SocketBehaviourTests.SendOwnedAsync(runtime, client, "first"u8.ToArray());
                returnedEarly = await server.ReceiveAsync();
                await SocketBehaviourTests.SendOwnedAsync(runtime, client, "second"u8.ToArray());
                kept = await server.ReceiveAsync();
            }
        }

        returnedEarly.Dispose();
        runtime.Dispose();
        Assert.False(engine.SlabFreed);
        Assert.Equal("second"u8.ToArray(), kept.Span.ToArray());

        await Task.Run(() => kept.Dispose());
        Assert.True(engine.SlabFreed);
    }

    /// <summary>A runtime with one ring of eight receive slots, and that ring.</summary>
    private static BypassRuntime CreateWithEightSlotRing(out IoUringSocketEngine engine, out ProvidedBufferRing ring)
    {
        BypassRuntime runtime = TestEngines.Create(EngineKind.IoUring, o =>
        {
            o.RingCount = 1;
            o.ReceiveBuffersPerRing = 8;
        });
        engine = (IoUringSocketEngine)runtime.EngineImpl;
        ring = engine.Rings[0].ReceiveRing!;
        Assert.Equal(8, ring.Count);
        return runtime;
    }

    /// <summary>
    /// Returns from other threads reach the ring through its ring thread, so this waits for them: a hang guard
    /// (30 s), not a timing decision.
    /// </summary>
    private static async Task AssertAllSlotsComeHomeAsync(ProvidedBufferRing ring)
    {
        for (int i = 0; i < 3000 && ring.Available != ring.Count; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(ring.Count, ring.Available);
    }
}
