using System.Buffers.Binary;
using BypassNet.Tests.Support;

namespace BypassNet.Tests.Sockets;

/// <summary>
/// Sends from thread-pool threads go out with one send(2) on that thread while the ring is quiet, and the rest of a
/// send the kernel only partly took goes through the ring ahead of anything begun meanwhile. These tests fill a real
/// peer's socket buffers, so direct sends come up short and concurrent sends queue behind them, and check that every
/// message still arrives whole, in its sender's order, counted once.
/// </summary>
public sealed class DirectSendTests
{
    private const int Senders = 4;
    private const int MessagesPerSender = 150;
    private const int HeaderSize = 12;

    [Theory]
    [MemberData(nameof(TestEngines.Both), MemberType = typeof(TestEngines))]
    public async Task Concurrent_senders_against_a_peer_that_reads_late_never_interleave_or_reorder(EngineKind engine)
    {
        using BypassRuntime runtime = TestEngines.Create(engine);
        using BypassSocket listener = TestEngines.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            // Small kernel buffers, so the peer is full after a few messages and direct sends come up short.
            server.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Socket, System.Net.Sockets.SocketOptionName.SendBuffer, 16 * 1024);
            client.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Socket, System.Net.Sockets.SocketOptionName.ReceiveBuffer, 64 * 1024);
            long sentBefore = runtime.GetStatistics().BytesSent;
            using var readerMayStart = new SemaphoreSlim(0);
            // Progress, so that a hang names who stopped where: messages sent per sender, then messages read.
            int[] progress = new int[Senders + 1];
            Task<List<(int Sender, int Sequence)>> reader = ReadMessagesAsync(client, Senders * MessagesPerSender, readerMayStart, progress);

            // Each sender awaits its own sends one after another (owned buffers and caller memory in turn) while the
            // others do the same: sends race for the socket's turn, and once the peer's buffers are full they come up short.
            Task<long>[] senders = new Task<long>[Senders];
            for (int id = 0; id < Senders; id++)
            {
                int sender = id;
                senders[id] = Task.Run(() => SendMessagesAsync(runtime, server, sender, progress));
            }

            // Let the senders fill the peer's buffers before anything is read.
            await Task.Delay(200);
            readerMayStart.Release();
            // A reader that fails leaves the senders blocked on a full peer: report its error, not their timeout.
            Task<long[]> sending = Task.WhenAll(senders);
            long[] sentBytes;
            List<(int Sender, int Sequence)> received;
            try
            {
                if (await Task.WhenAny(sending, reader).WaitAsync(TimeSpan.FromSeconds(60)) == reader && !sending.IsCompleted)
                {
                    await reader;
                }

                sentBytes = await sending.WaitAsync(TimeSpan.FromSeconds(60));
                received = await reader.WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                string sent = string.Join(", ", Enumerable.Range(0, Senders).Select(i => Volatile.Read(ref progress[i])));
                throw new TimeoutException(
                    $"no progress: messages sent per sender [{sent}] of {MessagesPerSender}, read {Volatile.Read(ref progress[Senders])} of {Senders * MessagesPerSender}");
            }

            int[] next = new int[Senders];
            foreach ((int sender, int sequence) in received)
            {
                Assert.Equal(next[sender], sequence);
                next[sender]++;
            }

            Assert.All(next, count => Assert.Equal(MessagesPerSender, count));
            if (engine == EngineKind.IoUring)
            {
                // A send that went out partly direct and partly through the ring is counted once, whole.
                Assert.Equal(sentBytes.Sum(), runtime.GetStatistics().BytesSent - sentBefore);
            }
        }

        await SocketBehaviourTests.WaitUntilAsync(() => runtime.Buffers.Available == runtime.Buffers.Count);
    }

    [Theory]
    [MemberData(nameof(TestEngines.Both), MemberType = typeof(TestEngines))]
    public async Task A_send_canceled_after_going_out_in_part_lets_the_socket_close_and_later_sends_finish(EngineKind engine)
    {
        using BypassRuntime runtime = TestEngines.Create(engine);
        using BypassSocket listener = TestEngines.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            // Sends of 12 KiB (under the zero-copy size, so each tries send(2) first) until the full peer blocks one.
            using var cts = new CancellationTokenSource();
            byte[] chunk = new byte[12 * 1024];
            Task<int> blocked = await SocketBehaviourTests.FillUntilASendBlocksAsync(runtime, server, cts.Token, chunk.Length);

            // One more send queues behind the blocked one; canceling the blocked one must not strand it.
            Task<int> behind = server.SendAsync(chunk.AsMemory()).AsTask();
            cts.Cancel();
            try
            {
                await blocked.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (OperationCanceledException)
            {
                // Expected unless the kernel took the rest first.
            }

            // The peer reads again: the send behind finishes (or fails because the stream was cut), it never hangs.
            Task drain = DrainAsync(client);
            try
            {
                Assert.Equal(chunk.Length, await behind.WaitAsync(TimeSpan.FromSeconds(30)));
            }
            catch (Exception ex) when (ex is OperationCanceledException or System.Net.Sockets.SocketException)
            {
                // A canceled partial send may end the stream on some engines; what matters is that nothing hangs.
            }

            server.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            await drain.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private static async Task<long> SendMessagesAsync(BypassRuntime runtime, BypassSocket socket, int sender, int[] progress)
    {
        long total = 0;
        for (int sequence = 0; sequence < MessagesPerSender; sequence++)
        {
            // 1 to 15 KiB: under the zero-copy size, so each send tries send(2) on this thread first.
            int length = HeaderSize + (((sender * 7919) + (sequence * 104729)) % (15 * 1024));
            byte[] message = new byte[length];
            BinaryPrimitives.WriteInt32LittleEndian(message, sender);
            BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(4), sequence);
            BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(8), length);
            for (int i = HeaderSize; i < length; i++)
            {
                message[i] = (byte)(sender + sequence + i);
            }

            if (sequence % 2 == 0 && length <= runtime.Buffers.BufferSize)
            {
                OwnedBuffer buffer = await runtime.Buffers.RentAsync();
                message.CopyTo(buffer.Span);
                buffer.Length = length;
                Assert.Equal(length, await socket.SendAsync(buffer));
            }
            else
            {
                Assert.Equal(length, await socket.SendAsync(message.AsMemory()));
            }

            total += length;
            Volatile.Write(ref progress[sender], sequence + 1);
        }

        return total;
    }

    private static async Task<List<(int Sender, int Sequence)>> ReadMessagesAsync(BypassSocket socket, int count, SemaphoreSlim mayStart, int[] progress)
    {
        await mayStart.WaitAsync();
        var received = new List<(int Sender, int Sequence)>(count);
        byte[] pending = new byte[256 * 1024];
        int start = 0;
        int end = 0;
        while (received.Count < count)
        {
            if (end - start >= HeaderSize)
            {
                int sender = BinaryPrimitives.ReadInt32LittleEndian(pending.AsSpan(start));
                int sequence = BinaryPrimitives.ReadInt32LittleEndian(pending.AsSpan(start + 4));
                int length = BinaryPrimitives.ReadInt32LittleEndian(pending.AsSpan(start + 8));
                Assert.InRange(sender, 0, Senders - 1);
                Assert.InRange(length, HeaderSize, HeaderSize + (15 * 1024));
                if (end - start >= length)
                {
                    for (int i = HeaderSize; i < length; i++)
                    {
                        // A byte of another message here means two sends interleaved.
                        Assert.Equal((byte)(sender + sequence + i), pending[start + i]);
                    }

                    received.Add((sender, sequence));
                    Volatile.Write(ref progress[Senders], received.Count);
                    start += length;
                    continue;
                }
            }

            if (start > 0)
            {
                pending.AsSpan(start, end - start).CopyTo(pending);
                end -= start;
                start = 0;
            }

            int got = await socket.ReceiveAsync(pending.AsMemory(end));
            Assert.True(got > 0, $"the stream ended after {received.Count} of {count} messages");
            end += got;
        }

        return received;
    }

    private static async Task DrainAsync(BypassSocket socket)
    {
        byte[] sink = new byte[64 * 1024];
        while (await socket.ReceiveAsync(sink.AsMemory()) > 0)
        {
        }
    }
}
