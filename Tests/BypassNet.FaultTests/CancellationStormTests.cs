using System.Net.Sockets;
using BypassNet.FaultTests.Support;

namespace BypassNet.FaultTests;

/// <summary>Thousands of random cancellations while data flows.</summary>
public sealed class CancellationStormTests
{
    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task Ten_thousand_canceled_receives_on_flowing_streams_lose_no_byte(EngineKind engine)
    {
        const int pairs = 8;
        const int cancelsPerPair = 10_000 / pairs;
        using BypassRuntime runtime = Faults.Create(engine);
        using BypassSocket listener = Faults.Listen(runtime);
        var work = new List<Task<(long Sent, long Verified, int Requested, int Observed)>>();
        for (int p = 0; p < pairs; p++)
        {
            (BypassSocket client, BypassSocket server) = await Faults.ConnectPairAsync(runtime, listener);
            int seed = 1000 + p;
            work.Add(Task.Run(async () =>
            {
                await using (client)
                await using (server)
                {
                    // The writer streams until the reader has canceled enough receives, then closes its side. It
                    // keeps only a few sends ahead of the reader (credits the reader hands back), so receives often
                    // wait for data and the cancellations hit waiting receives, however fast sends complete.
                    using var stop = new CancellationTokenSource();
                    using var credits = new SemaphoreSlim(4);
                    Task<long> writing = Task.Run(async () =>
                    {
                        var pattern = new StreamPattern(seed);
                        var random = new Random(seed);
                        while (!stop.IsCancellationRequested)
                        {
                            try
                            {
                                await credits.WaitAsync(stop.Token);
                            }
                            catch (OperationCanceledException)
                            {
                                break;
                            }

                            OwnedBuffer buffer = await runtime.Buffers.RentAsync();
                            buffer.Length = random.Next(1, 6000);
                            pattern.Fill(buffer.Span);
                            await client.SendAsync(buffer);
                        }

                        client.Shutdown(SocketShutdown.Send);
                        return pattern.Position;
                    });

                    var check = new StreamPattern(seed);
                    var rng = new Random(seed * 7);
                    byte[] copy = new byte[8192];
                    int requested = 0, observed = 0;
                    while (true)
                    {
                        // Not disposed: a cancel queued to the thread pool may run after this iteration.
                        var cts = new CancellationTokenSource();
                        int mode = requested < cancelsPerPair ? rng.Next(4) : 3;
                        if (mode == 0)
                        {
                            cts.Cancel();
                        }

                        bool owned = rng.Next(2) == 0;
                        ValueTask<OwnedBuffer> ownedReceive = default;
                        ValueTask<int> copyReceive = default;
                        if (owned)
                        {
                            ownedReceive = server.ReceiveAsync(cts.Token);
                        }
                        else
                        {
                            copyReceive = server.ReceiveAsync(copy.AsMemory(0, rng.Next(1, copy.Length)), SocketFlags.None, cts.Token);
                        }

                        if (mode == 1)
                        {
                            // Races with data arriving on the ring thread.
                            cts.Cancel();
                        }
                        else if (mode == 2)
                        {
                            ThreadPool.UnsafeQueueUserWorkItem(static c => c.Cancel(), cts, preferLocal: false);
                        }

                        if (mode != 3)
                        {
                            requested++;
                        }

                        int length;
                        try
                        {
                            if (owned)
                            {
                                using OwnedBuffer buffer = await ownedReceive;
                                length = buffer.Length;
                                check.Verify(buffer.Span);
                            }
                            else
                            {
                                length = await copyReceive;
                                check.Verify(copy.AsSpan(0, length));
                            }
                        }
                        catch (OperationCanceledException)
                        {
                            observed++;
                            continue;
                        }

                        if (length == 0)
                        {
                            break;
                        }

                        if (credits.CurrentCount < 4)
                        {
                            credits.Release();
                        }

                        if (requested >= cancelsPerPair)
                        {
                            stop.Cancel();
                        }
                    }

                    return (await writing.WaitAsync(Faults.Guard), check.Position, requested, observed);
                }
            }));
        }

        var results = await Task.WhenAll(work).WaitAsync(TimeSpan.FromSeconds(120));
        foreach ((long sent, long verified, int requested, _) in results)
        {
            // Every byte sent was received, in order, exactly once, whatever the cancellations hit.
            Assert.Equal(sent, verified);
            Assert.True(requested >= cancelsPerPair);
        }

        Assert.True(results.Sum(r => r.Requested) >= 10_000);
        Assert.True(results.Sum(r => r.Observed) > 1000, $"only {results.Sum(r => r.Observed)} receives ended canceled: the storm proved little");
        await Faults.AssertEverythingHomeAsync(runtime);
    }

    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task Canceled_sends_on_throwaway_connections_neither_hang_nor_leak(EngineKind engine)
    {
        using BypassRuntime runtime = Faults.Create(engine, o => o.SendBufferCount = 256);
        using BypassSocket listener = Faults.Listen(runtime);
        int completed = 0, canceled = 0;
        for (int batch = 0; batch < 10; batch++)
        {
            var connections = new List<Task>();
            for (int c = 0; c < 20; c++)
            {
                (BypassSocket client, BypassSocket server) = await Faults.ConnectPairAsync(runtime, listener);
                int seed = batch * 100 + c;
                connections.Add(Task.Run(async () =>
                {
                    // The peer never reads, so later sends block in the kernel when their cancel comes.
                    server.ReceiveBufferSize = 4096;
                    client.SendBufferSize = 4096;
                    var rng = new Random(seed);
                    for (int i = 0; i < 10; i++)
                    {
                        // Not disposed: a cancel queued to the thread pool may run after this iteration.
                        var cts = new CancellationTokenSource();
                        OwnedBuffer buffer = await runtime.Buffers.RentAsync();
                        ValueTask<int> send = client.SendAsync(buffer, cts.Token);
                        switch (rng.Next(3))
                        {
                            case 0:
                                cts.Cancel();
                                break;
                            case 1:
                                ThreadPool.UnsafeQueueUserWorkItem(static s => s.Cancel(), cts, preferLocal: false);
                                break;
                            default:
                                await Task.Yield();
                                cts.Cancel();
                                break;
                        }

                        try
                        {
                            await send;
                            Interlocked.Increment(ref completed);
                        }
                        catch (OperationCanceledException)
                        {
                            Interlocked.Increment(ref canceled);
                        }
                    }

                    // A canceled send leaves the stream undefined: throw the connection away.
                    await client.DisposeAsync();
                    await server.DisposeAsync();
                }));
            }

            await Task.WhenAll(connections).WaitAsync(Faults.Guard);
        }

        Assert.Equal(2000, completed + canceled);
        Assert.True(canceled > 100, $"only {canceled} of 2000 sends ended canceled");
        // Every buffer handed to a canceled send came back once the kernel let go of it, and the runtime still works.
        await Faults.AssertEverythingHomeAsync(runtime);
        (BypassSocket a, BypassSocket b) = await Faults.ConnectPairAsync(runtime, listener);
        await using (a)
        await using (b)
        {
            await Faults.SendOwnedAsync(a, new byte[] { 7 });
            Assert.Equal(new byte[] { 7 }, await Faults.ReceiveExactlyAsync(b, 1));
        }
    }
}
