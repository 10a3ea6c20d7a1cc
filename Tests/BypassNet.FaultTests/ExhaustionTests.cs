using BypassNet.FaultTests.Support;

namespace BypassNet.FaultTests;

/// <summary>Running out of send buffers or receive slots is backpressure: callers wait, nothing is lost, all recovers.</summary>
public sealed class ExhaustionTests
{
    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task An_exhausted_send_pool_makes_renters_wait_and_recovers_as_sends_complete(EngineKind engine)
    {
        const int count = 8;
        const int waiters = 50;
        using BypassRuntime runtime = Faults.Create(engine, o =>
        {
            o.SendBufferCount = count;
            o.SendBufferSize = 4096;
        });
        BufferPool pool = runtime.Buffers;
        using BypassSocket listener = Faults.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await Faults.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            var held = new List<OwnedBuffer>();
            for (int i = 0; i < count; i++)
            {
                held.Add(pool.Rent());
            }

            Assert.Equal(0, pool.Available);
            Assert.False(pool.TryRent(out OwnedBuffer none));
            Assert.False(none.IsOwned);
            Assert.Contains("exhausted", Assert.Throws<InvalidOperationException>(() => pool.Rent()).Message);
            var waiting = Enumerable.Range(0, waiters).Select(_ => pool.RentAsync().AsTask()).ToList();
            var canceledWaiter = new CancellationTokenSource();
            Task<OwnedBuffer> canceled = pool.RentAsync(canceledWaiter.Token).AsTask();
            Assert.All(waiting, w => Assert.False(w.IsCompleted));
            canceledWaiter.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled);

            // Each completed send returns its buffer, which goes to the next waiter; the waiters' buffers carry the rest.
            const int chunk = 4096;
            Task<byte[]> reading = Faults.ReceiveExactlyAsync(server, (count + waiters) * chunk);
            var pattern = new StreamPattern(3);
            for (int k = 0; k < count + waiters; k++)
            {
                OwnedBuffer buffer = k < count ? held[k] : await waiting[k - count].WaitAsync(Faults.Guard);
                buffer.Length = chunk;
                pattern.Fill(buffer.Span);
                await client.SendAsync(buffer);
            }

            byte[] received = await reading.WaitAsync(Faults.Guard);
            new StreamPattern(3).Verify(received);
        }

        // The canceled waiter took nothing: every buffer is back.
        await Faults.AssertEverythingHomeAsync(runtime);
        Assert.True(pool.TryRent(out OwnedBuffer again));
        again.Dispose();
    }

    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task Receivers_that_hold_every_buffer_never_exhaust_the_receive_ring_and_lose_nothing(EngineKind engine)
    {
        // Leases the application holds are its own, like pool rentals; but on a ring (or receive pool) running low they
        // are served from memory of their own, so holding them never starves another connection of receive slots.
        const int connections = 8;
        const int perConnection = 256 * 1024;
        const int slots = 64;
        using BypassRuntime runtime = Faults.Create(engine, o =>
        {
            o.RingCount = 1;
            o.ReceiveBuffersPerRing = slots;
            o.ReceiveBufferSize = 4096;
        });
        using BypassSocket listener = Faults.Listen(runtime);
        var pairs = new List<(BypassSocket Client, BypassSocket Server)>();
        for (int i = 0; i < connections; i++)
        {
            pairs.Add(await Faults.ConnectPairAsync(runtime, listener));
        }

        // Readers hold every buffer they receive until the receive slots have run out completely.
        var held = new List<OwnedBuffer>();
        bool release = false;
        Task[] senders = pairs.Select((p, i) => Task.Run(async () =>
        {
            var pattern = new StreamPattern(i);
            byte[] chunk = new byte[8192];
            while (pattern.Position < perConnection)
            {
                pattern.Fill(chunk);
                await Faults.SendOwnedAsync(p.Client, chunk);
            }
        })).ToArray();
        Task<long>[] readers = pairs.Select((p, i) => Task.Run(async () =>
        {
            var pattern = new StreamPattern(i);
            while (pattern.Position < perConnection)
            {
                OwnedBuffer buffer = await p.Server.ReceiveAsync();
                Assert.NotEqual(0, buffer.Length);
                pattern.Verify(buffer.Span);
                lock (held)
                {
                    if (!release)
                    {
                        held.Add(buffer);
                        continue;
                    }
                }

                buffer.Dispose();
            }

            return pattern.Position;
        })).ToArray();

        // Every reader finishes while still holding every buffer it received (2 MiB in all, 32 times the ring's 64 KiB):
        // the ring never stays dry, and the slots held stay within half the ring plus one chunk per connection.
        long[] verified = await Task.WhenAll(readers).WaitAsync(Faults.Guard);
        Assert.All(verified, v => Assert.Equal(perConnection, v));
        (int available, int count) = Faults.ReceiveSlots(runtime);
        Assert.True(count - available <= count / 2 + connections, $"{count - available} of {count} receive slots held by leases");
        lock (held)
        {
            release = true;
            held.ForEach(b => b.Dispose());
        }

        await Task.WhenAll(senders).WaitAsync(Faults.Guard);
        foreach ((BypassSocket c, BypassSocket s) in pairs)
        {
            await c.DisposeAsync();
            await s.DisposeAsync();
        }

        await Faults.AssertEverythingHomeAsync(runtime);
    }

    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task Idle_connections_waiting_in_a_receive_hold_no_receive_buffer(EngineKind engine)
    {
        // Four receive buffers in all, twice as many idle connections each waiting in a receive, then one that gets data:
        // if waiting held a buffer, the busy connection would wait forever behind the idle ones.
        using BypassRuntime runtime = Faults.Create(engine, o =>
        {
            o.RingCount = 1;
            o.ReceiveBuffersPerRing = 4;
            o.ReceiveBufferSize = 4096;
        });
        using BypassSocket listener = Faults.Listen(runtime);
        var idle = new List<(BypassSocket Client, BypassSocket Server, Task<OwnedBuffer> Receive)>();
        for (int i = 0; i < 8; i++)
        {
            (BypassSocket c, BypassSocket s) = await Faults.ConnectPairAsync(runtime, listener);
            idle.Add((c, s, s.ReceiveAsync().AsTask()));
        }

        (BypassSocket client, BypassSocket server) = await Faults.ConnectPairAsync(runtime, listener);
        await Faults.SendOwnedAsync(client, new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 1, 2, 3 }, await Faults.ReceiveExactlyAsync(server, 3).WaitAsync(Faults.Guard));
        Assert.All(idle, i => Assert.False(i.Receive.IsCompleted));

        // The idle ones still get their data when it comes.
        foreach ((BypassSocket c, BypassSocket s, Task<OwnedBuffer> receive) in idle)
        {
            await Faults.SendOwnedAsync(c, new byte[] { 9 });
            using OwnedBuffer got = await receive.WaitAsync(Faults.Guard);
            Assert.Equal(new byte[] { 9 }, got.Span.ToArray());
            await c.DisposeAsync();
            await s.DisposeAsync();
        }

        await client.DisposeAsync();
        await server.DisposeAsync();
        await Faults.AssertEverythingHomeAsync(runtime);
    }
}
