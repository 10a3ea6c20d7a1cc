using System.Net.Sockets;
using BypassNet.FaultTests.Support;
using Microsoft.Extensions.Logging;

namespace BypassNet.FaultTests;

/// <summary>
/// Memory-safety guards: with <see cref="BypassNetOptions.PoisonBuffers"/>, a write through a stale raw pointer after a
/// buffer went back is caught when the slot is reused; and a stale handle never reaches a later lease's data.
/// </summary>
public sealed class PoisonTests
{
    private const byte Poison = 0xDB;

    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public void A_write_through_a_stale_pointer_into_a_pool_buffer_is_caught_on_the_next_rent(EngineKind engine)
    {
        var logs = new CapturingLoggerProvider();
        using ILoggerFactory factory = LoggerFactory.Create(b => b.AddProvider(logs));
        using BypassRuntime runtime = Faults.Create(engine, o =>
        {
            o.PoisonBuffers = true;
            o.SendBufferCount = 1;
            o.SendBufferSize = 4096;
            o.LoggerFactory = factory;
        });
        OwnedBuffer buffer = runtime.Buffers.Rent();
        nint stale = Address(buffer);

        buffer.Span.Fill(1);
        buffer.Dispose();
        // Returned memory holds the poison, not the old contents.
        Assert.All(ReadThrough(stale, 4096), b => Assert.Equal(Poison, b));

        // The bug: a raw pointer kept past Dispose. No handle check can see this write.
        WriteThrough(stale, 100, 0x11);
        BufferCorruptionException error = Assert.Throws<BufferCorruptionException>(() => runtime.Buffers.Rent());
        Assert.Equal(0, error.Slot);
        Assert.Equal(100, error.Offset);
        Assert.Contains("slot 0", error.Message);
        Assert.Contains(logs.Events, e => e.Id.Id == 303 && e.Level == LogLevel.Critical);

        // Reported once, then repaired: the pool keeps working.
        Assert.Equal(1, runtime.Buffers.Available);
        using OwnedBuffer next = runtime.Buffers.Rent();
        Assert.All(next.Span.ToArray(), b => Assert.Equal(Poison, b));
    }

    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task A_write_through_a_stale_pointer_into_a_received_buffer_is_caught_on_the_next_receive(EngineKind engine)
    {
        var logs = new CapturingLoggerProvider();
        using ILoggerFactory factory = LoggerFactory.Create(b => b.AddProvider(logs));
        using BypassRuntime runtime = Faults.Create(engine, o =>
        {
            o.PoisonBuffers = true;
            o.RingCount = 1;
            o.ReceiveBuffersPerRing = 1; // one receive slot: the next receive reuses it
            o.ReceiveBufferSize = 4096;
            o.LoggerFactory = factory;
        });
        using BypassSocket listener = Faults.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await Faults.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            await Faults.SendOwnedAsync(client, new byte[] { 1, 2, 3 });
            OwnedBuffer received = await server.ReceiveAsync();
            Assert.Equal(new byte[] { 1, 2, 3 }, received.Span.ToArray());
            nint stale = Address(received);

            received.Dispose();
            // Beyond what the next receive will fill: the kernel will not overwrite it, so the check can see it.
            WriteThrough(stale, 4000, 0x22);
            await Faults.SendOwnedAsync(client, new byte[] { 4, 5, 6 });
            BufferCorruptionException error = await Assert.ThrowsAsync<BufferCorruptionException>(() => server.ReceiveAsync().AsTask().WaitAsync(Faults.Guard));
            Assert.Equal(0, error.Slot);
            Assert.Equal(4000, error.Offset);
            Assert.Contains(logs.Events, e => e.Id.Id == 303);
        }

        // The slot was repaired: a new connection on the same ring receives normally.
        (BypassSocket c2, BypassSocket s2) = await Faults.ConnectPairAsync(runtime, listener);
        await using (c2)
        await using (s2)
        {
            await Faults.SendOwnedAsync(c2, new byte[] { 9 });
            Assert.Equal(new byte[] { 9 }, await Faults.ReceiveExactlyAsync(s2, 1));
        }
    }

    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task Poisoning_raises_no_false_alarm_under_a_checked_echo_load(EngineKind engine)
    {
        using BypassRuntime runtime = Faults.Create(engine, o =>
        {
            o.PoisonBuffers = true;
            o.ReceiveBuffersPerRing = 16;
            o.ReceiveBufferSize = 4096;
            o.SendBufferCount = 16;
        });
        using BypassSocket listener = Faults.Listen(runtime);
        var pairs = new List<Task>();
        for (int p = 0; p < 8; p++)
        {
            (BypassSocket client, BypassSocket server) = await Faults.ConnectPairAsync(runtime, listener);
            int seed = p;
            pairs.Add(Task.Run(async () =>
            {
                await using (client)
                await using (server)
                {
                    Task echo = Faults.EchoUntilClosedAsync(server);
                    var pattern = new StreamPattern(seed);
                    byte[] chunk = new byte[10_000];
                    Task<long> reading = Task.Run(async () =>
                    {
                        var check = new StreamPattern(seed);
                        while (true)
                        {
                            using OwnedBuffer buffer = await client.ReceiveAsync();
                            if (buffer.Length == 0)
                            {
                                return check.Position;
                            }

                            check.Verify(buffer.Span);
                        }
                    });
                    while (pattern.Position < (1 << 20))
                    {
                        pattern.Fill(chunk);
                        await Faults.SendOwnedAsync(client, chunk);
                    }

                    client.Shutdown(SocketShutdown.Send);
                    Assert.Equal(pattern.Position, await reading.WaitAsync(Faults.Guard));
                    await echo.WaitAsync(Faults.Guard);
                }
            }));
        }

        await Task.WhenAll(pairs).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(0, runtime.Buffers.CorruptionsDetected);
        await Faults.AssertEverythingHomeAsync(runtime);
    }

    [Fact]
    public void The_environment_variable_turns_poisoning_on()
    {
        string? before = Environment.GetEnvironmentVariable(BypassNetOptions.PoisonEnvironmentVariable);
        Environment.SetEnvironmentVariable(BypassNetOptions.PoisonEnvironmentVariable, "1");
        try
        {
            using var pool = new BufferPool(4096, 1);
            OwnedBuffer buffer = pool.Rent();
            nint stale = Address(buffer);

            buffer.Dispose();
            WriteThrough(stale, 0, 0);
            Assert.Throws<BufferCorruptionException>(() => pool.Rent());
        }
        finally
        {
            Environment.SetEnvironmentVariable(BypassNetOptions.PoisonEnvironmentVariable, before);
        }

        // Off by default: the same bug goes unseen (which is why the mode exists).
        using var quiet = new BufferPool(4096, 1);
        OwnedBuffer b = quiet.Rent();
        nint p = Address(b);

        b.Dispose();
        WriteThrough(p, 0, 0);
        quiet.Rent().Dispose();
    }

#pragma warning disable BYP001, BYP003, BYP004 // Deliberate misuse: these tests prove the run-time checks (ObjectDisposedException, cancellation) that back the analyzers.
    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task A_stale_handle_never_reads_or_writes_the_next_lease_of_its_slot(EngineKind engine)
    {
        using BypassRuntime runtime = Faults.Create(engine, o =>
        {
            o.RingCount = 1;
            o.SendBufferCount = 1;
            o.ReceiveBuffersPerRing = 1;
            o.ReceiveBufferSize = 4096;
        });

        // Pool: the only slot, leased twice.
        OwnedBuffer first = runtime.Buffers.Rent();
        Memory<byte> firstMemory = first.Memory;
        nint firstAddress = Address(first);
        first.Dispose();
        using (OwnedBuffer second = runtime.Buffers.Rent())
        {
            Assert.Equal(firstAddress, Address(second));
            second.Span.Fill(0x5A);
            AssertStale(first, firstMemory);
            Assert.All(second.Span.ToArray(), b => Assert.Equal(0x5A, b));
        }

        // Received buffers: the only receive slot, filled twice.
        using BypassSocket listener = Faults.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await Faults.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            await Faults.SendOwnedAsync(client, new byte[] { 1, 1, 1 });
            OwnedBuffer r1 = await server.ReceiveAsync();
            Memory<byte> r1Memory = r1.Memory;
            nint r1Address = Address(r1);
            r1.Dispose();
            await Faults.SendOwnedAsync(client, new byte[] { 2, 2, 2, 2 });
            using OwnedBuffer r2 = await server.ReceiveAsync();
            if (runtime.Engine == EngineKind.IoUring)
            {
                Assert.Equal(r1Address, Address(r2));
            }

            AssertStale(r1, r1Memory);
            Assert.Equal(new byte[] { 2, 2, 2, 2 }, r2.Span.ToArray());
            // Handing a stale handle to a send fails too, and sends nothing.
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await client.SendAsync(r1));
        }
    }
#pragma warning restore BYP001, BYP003, BYP004

    /// <summary>The raw address of a buffer: what buggy code keeps past Dispose, and what no handle check can see.</summary>
    private static unsafe nint Address(OwnedBuffer buffer)
    {
        using var pin = buffer.Pin();
        return (nint)pin.Pointer;
    }

    private static unsafe void WriteThrough(nint address, int offset, byte value) => ((byte*)address)[offset] = value;

    private static unsafe byte[] ReadThrough(nint address, int length) => new ReadOnlySpan<byte>((void*)address, length).ToArray();

    private static void AssertStale(OwnedBuffer stale, Memory<byte> staleMemory)
    {
        Assert.False(stale.IsOwned);
        Assert.Throws<ObjectDisposedException>(() => stale.Span[0]);
        Assert.Throws<ObjectDisposedException>(() => stale.Span[0] = 1);
        Assert.Throws<ObjectDisposedException>(() => stale.Memory);
        Assert.Throws<ObjectDisposedException>(() => stale.Length);
        Assert.Throws<ObjectDisposedException>(() => stale.Length = 1);
        Assert.Throws<ObjectDisposedException>(() => stale.Pin());
        Assert.Throws<ObjectDisposedException>(() => staleMemory.Span[0]);
        Assert.Throws<ObjectDisposedException>(() => staleMemory.Span[0] = 1);
        Assert.Throws<ObjectDisposedException>(() => staleMemory.Pin());
        Assert.Throws<ObjectDisposedException>(() => staleMemory.ToArray());
        stale.Dispose(); // a no-op: it must not return the slot a second time
    }
}
