using BypassNet.Engines.Uring;
using BypassNet.FaultTests.Support;

namespace BypassNet.FaultTests;

/// <summary>A writer that outpaces its reader is held back by the kernel; nothing piles up in the process.</summary>
public sealed class SlowReaderTests
{
    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task A_writer_to_a_stalled_reader_is_held_back_and_buffers_stay_bounded(EngineKind engine)
    {
        const int receiveSlot = 4096;
        const long total = 16L << 20;
        using BypassRuntime runtime = Faults.Create(engine, o =>
        {
            o.RingCount = 1;
            o.ReceiveBuffersPerRing = 64;
            o.ReceiveBufferSize = receiveSlot;
            o.SendBufferCount = 32;
        });
        using BypassSocket listener = Faults.Listen(runtime);
        (BypassSocket writer, BypassSocket reader) = await Faults.ConnectPairAsync(runtime, listener);
        (BypassSocket neighbourClient, BypassSocket neighbourServer) = await Faults.ConnectPairAsync(runtime, listener);
        writer.SendBufferSize = 32 * 1024;
        reader.ReceiveBufferSize = 32 * 1024;
        long sent = 0;
        Task writing = Task.Run(async () =>
        {
            var pattern = new StreamPattern(5);
            while (pattern.Position < total)
            {
                OwnedBuffer buffer = await runtime.Buffers.RentAsync();
                buffer.Length = (int)Math.Min(buffer.Capacity, total - pattern.Position);
                pattern.Fill(buffer.Span);
                Volatile.Write(ref sent, sent + await writer.SendAsync(buffer));
            }

            writer.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        });

        // The reader reads nothing until the writer stops making progress (timing only finds the moment; the checks
        // below hold at any moment).
        long last = -1;
        DateTime deadline = DateTime.UtcNow + Faults.Guard;
        while (Volatile.Read(ref sent) != last)
        {
            Assert.True(DateTime.UtcNow < deadline, "the writer never stalled");
            last = Volatile.Read(ref sent);
            await Task.Delay(300);
        }

        // 16 MiB cannot fit anywhere between a writer and a reader that reads nothing: the writer must be blocked, and
        // what it got rid of is bounded by the two kernel socket buffers plus the reader's bounded receive queue.
        Assert.False(writing.IsCompleted, $"all {total} bytes were 'sent' to a reader that read nothing: sends are buffered without bound");
        long unreadCap = runtime.EngineImpl.Backpressure.MaxUnreadBytesPerSocket;
        long bound = (4L << 20) + unreadCap + 64L * receiveSlot;
        Assert.True(Volatile.Read(ref sent) < bound, $"{sent} bytes left the writer while the reader read nothing (bound {bound})");
        Assert.True(runtime.Buffers.Available >= runtime.Buffers.Count - 1, "more than the one blocked send holds send buffers");
        (int slotsFree, int slots) = Faults.ReceiveSlots(runtime);
        Assert.True(slotsFree >= slots / 2, $"a reader that reads nothing holds {slots - slotsFree} of {slots} receive slots");

        // Its neighbour on the same ring is not starved meanwhile.
        await Faults.SendOwnedAsync(neighbourClient, new byte[] { 1, 2, 3, 4 });
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, await Faults.ReceiveExactlyAsync(neighbourServer, 4));

        // Now the reader reads, slowly, and every byte arrives in order.
        var check = new StreamPattern(5);
        int reads = 0;
        while (true)
        {
            using OwnedBuffer buffer = await reader.ReceiveAsync().AsTask().WaitAsync(Faults.Guard);
            if (buffer.Length == 0)
            {
                break;
            }

            check.Verify(buffer.Span);
            if (++reads % 64 == 0)
            {
                await Task.Delay(1);
            }
        }

        Assert.Equal(total, check.Position);
        await writing.WaitAsync(Faults.Guard);
        foreach (BypassSocket socket in new[] { writer, reader, neighbourClient, neighbourServer })
        {
            await socket.DisposeAsync();
        }

        await Faults.AssertEverythingHomeAsync(runtime);
    }
}
