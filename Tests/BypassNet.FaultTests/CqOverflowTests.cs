using System.Net.Sockets;
using BypassNet.Engines.Uring;
using BypassNet.FaultTests.Support;

namespace BypassNet.FaultTests;

/// <summary>A tiny completion queue flooded by multishot receives of many small messages.</summary>
public sealed class CqOverflowTests
{
    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task A_flood_of_small_messages_through_a_32_entry_completion_queue_loses_nothing(EngineKind engine)
    {
        const int connections = 64;
        const int messages = 300;
        const int size = 24;
        using BypassRuntime runtime = Faults.Create(engine, o =>
        {
            o.RingCount = 1;
            o.SubmissionQueueEntries = 8; // completion queue: 32 entries
            o.ReceiveBuffersPerRing = 1024;
            o.ReceiveBufferSize = 4096;
            o.SendBufferCount = 256;
        });
        using BypassSocket listener = Faults.Listen(runtime);
        var pairs = new List<(BypassSocket Client, BypassSocket Server)>();
        for (int i = 0; i < connections; i++)
        {
            (BypassSocket c, BypassSocket s) = await Faults.ConnectPairAsync(runtime, listener);
            c.NoDelay = true;
            pairs.Add((c, s));
        }

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task[] senders = pairs.Select((p, i) => Task.Run(async () =>
        {
            await start.Task;
            var pattern = new StreamPattern(i);
            for (int m = 0; m < messages; m++)
            {
                // One small owned send per message: one segment, one multishot completion on the other side.
                OwnedBuffer buffer = await runtime.Buffers.RentAsync();
                buffer.Length = size;
                pattern.Fill(buffer.Span);
                await p.Client.SendAsync(buffer);
            }

            p.Client.Shutdown(SocketShutdown.Send);
        })).ToArray();
        Task<long>[] readers = pairs.Select((p, i) => Task.Run(async () =>
        {
            var pattern = new StreamPattern(i);
            while (true)
            {
                using OwnedBuffer buffer = await p.Server.ReceiveAsync();
                if (buffer.Length == 0)
                {
                    return pattern.Position;
                }

                pattern.Verify(buffer.Span);
            }
        })).ToArray();

        start.SetResult();
        long[] verified = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(120));
        await Task.WhenAll(senders).WaitAsync(Faults.Guard);
        Assert.All(verified, v => Assert.Equal(messages * size, v));
        if (runtime.EngineImpl is IoUringSocketEngine io)
        {
            var loop = io.Rings[0].Loop;
            Assert.Equal(32u, loop.Settings.CompletionEntries);
            // The 32-entry queue really overflowed into the kernel's backlog (NODROP), and nothing was dropped.
            Assert.True(loop.Statistics.OverflowRetries > 0, "the completion queue never overflowed; the test proved nothing");
        }

        foreach ((BypassSocket c, BypassSocket s) in pairs)
        {
            await c.DisposeAsync();
            await s.DisposeAsync();
        }

        await Faults.AssertEverythingHomeAsync(runtime);
    }
}
