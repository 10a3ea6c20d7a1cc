using BypassNet.Buffers;
using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using BypassNet.Compat.Tests.Support;

namespace BypassNet.Compat.Tests.Pipes;

/// <summary>The IDuplexPipe face: zero-copy input, pool-buffer output, Pipe semantics.</summary>
public sealed class BypassDuplexPipeTests : IClassFixture<EngineRuntimes>
{
    private readonly EngineRuntimes _runtimes;

    public BypassDuplexPipeTests(EngineRuntimes runtimes) => _runtimes = runtimes;

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Echo_through_the_pipe_returns_every_byte(EngineKind engine)
    {
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(_runtimes[engine]);
        await using var clientStream = new BypassNetworkStream(client, ownsSocket: true);
        BypassDuplexPipe pipe = server.AsDuplexPipe();
        Task echo = Task.Run(async () =>
        {
            while (true)
            {
                ReadResult result = await pipe.Input.ReadAsync();
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    await pipe.Output.WriteAsync(segment);
                }

                pipe.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await pipe.DisposeAsync();
        });

        byte[] payload = new byte[10 * 1024 * 1024 + 7];
        new Random(3).NextBytes(payload);
        byte[] echoed = new byte[payload.Length];
        Task read = clientStream.ReadExactlyAsync(echoed, Deadline.Token()).AsTask();
        await clientStream.WriteAsync(payload, Deadline.Token());
        await read.WaitAsync(Deadline.Hang);
        client.Shutdown(SocketShutdown.Send);
        await echo.WaitAsync(Deadline.Hang);
        Assert.Equal(payload, echoed);
        Assert.Equal(0, await clientStream.ReadAsync(new byte[1], Deadline.Token()));
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Output_memory_kept_past_its_flush_throws_instead_of_reaching_the_buffers_next_lease(EngineKind engine)
    {
        BypassRuntime runtime = _runtimes[engine];
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(runtime);
        using (client)
        {
            BypassDuplexPipe pipe = server.AsDuplexPipe();
            Memory<byte> kept = pipe.Output.GetMemory(4);
            // A registered pool buffer's checked view: pool slots are shared by every connection's writer.
            Assert.True(MemoryMarshal.TryGetMemoryManager<byte, OwnedBufferView>(kept, out OwnedBufferView? view));
            new byte[] { 1, 2, 3, 4 }.CopyTo(kept);
            pipe.Output.Advance(4);
            await pipe.Output.FlushAsync(Deadline.Token());

            // Sent: the lease ended, so a write through the kept memory fails instead of landing in a later lease.
            Assert.False(view!.IsLeaseOwned);
            Assert.Throws<ObjectDisposedException>(() => kept.Span[0] = 9);
            var echoed = new byte[4];
            int read = 0;
            while (read < echoed.Length)
            {
                int n = await client.ReceiveAsync(echoed.AsMemory(read), SocketFlags.None, Deadline.Token());
                Assert.NotEqual(0, n);
                read += n;
            }

            Assert.Equal(new byte[] { 1, 2, 3, 4 }, echoed);
            await pipe.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Input_lends_the_received_buffers_themselves_and_returns_them_on_advance(EngineKind engine)
    {
        BypassRuntime runtime = _runtimes[engine];
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(runtime);
        using (client)
        {
            BypassDuplexPipe pipe = server.AsDuplexPipe();
            await client.SendAsync(new byte[] { 1, 2, 3, 4 }.AsMemory(), SocketFlags.None);
            ReadResult result = await ReadAtLeastAsync(pipe.Input, 4);

            // No copy: every segment's memory is a live lease's checked view (a ring slot on io_uring, a pool buffer on
            // sockets), bound to that lease.
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                Assert.True(MemoryMarshal.TryGetMemoryManager(segment, out OwnedBufferView? owner));
                Assert.True(owner!.IsLeaseOwned);
            }

            ReadOnlyMemory<byte> first = result.Buffer.First;
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, result.Buffer.ToArray());
            pipe.Input.AdvanceTo(result.Buffer.End);

            // Advancing past a buffer gave it back: its memory can no longer be touched through the old handle.
            Assert.Throws<ObjectDisposedException>(() => first.Span[0]);
            await pipe.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Examined_but_unconsumed_data_comes_back_with_what_arrives_next(EngineKind engine)
    {
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(_runtimes[engine]);
        using (client)
        {
            BypassDuplexPipe pipe = server.AsDuplexPipe();
            await client.SendAsync(new byte[] { 10, 11 }.AsMemory(), SocketFlags.None);
            ReadResult first = await ReadAtLeastAsync(pipe.Input, 2);
            pipe.Input.AdvanceTo(first.Buffer.GetPosition(1), first.Buffer.End);

            // Everything was examined: the next read waits for new data rather than returning the same byte.
            ValueTask<ReadResult> next = pipe.Input.ReadAsync(Deadline.Token());
            Assert.False(next.IsCompleted, "no new data was sent");
            await client.SendAsync(new byte[] { 12 }.AsMemory(), SocketFlags.None);
            ReadResult second = await next;
            byte[] seen = second.Buffer.ToArray();
            Assert.Equal(new byte[] { 11, 12 }, seen.Length == 2 ? seen : seen[..2]);
            pipe.Input.AdvanceTo(second.Buffer.End);
            await pipe.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Trickled_bytes_that_are_examined_but_not_consumed_cost_bytes_not_ring_slots(EngineKind engine)
    {
        BypassRuntime runtime = _runtimes[engine];
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(runtime);
        client.NoDelay = true;
        using (client)
        {
            BypassDuplexPipe pipe = server.AsDuplexPipe();
            const int Count = 64;
            long seen = 0;
            ReadResult result;
            for (int i = 0; i < Count; i++)
            {
                // One byte per send, each read after the byte is in: every byte is its own receive (a slot) unless the
                // kernel coalesced some, which only makes the bound easier to keep.
                await client.SendAsync(new[] { (byte)i }.AsMemory(), SocketFlags.None);
                do
                {
                    result = await pipe.Input.ReadAsync(Deadline.Token());
                    seen = result.Buffer.Length;
                    pipe.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                }
                while (seen < i + 1);

                // The consumer keeps everything, as Kestrel does with a partial request line: the reader keeps the bytes.
                Assert.Equal(0, pipe.Reader.HeldSlots);
            }

            // Everything was examined, so the next read waits for one more byte; then all of them are there, in order.
            await client.SendAsync(new[] { (byte)Count }.AsMemory(), SocketFlags.None);
            result = await pipe.Input.ReadAsync(Deadline.Token());
            Assert.Equal(Enumerable.Range(0, Count + 1).Select(i => (byte)i).ToArray(), result.Buffer.ToArray());
            pipe.Input.AdvanceTo(result.Buffer.End);
            Assert.True(pipe.Reader.Compactions > 0);
            await pipe.DisposeAsync();
        }

        await ReceiveSlots.AssertAllHomeAsync(runtime);
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task A_consumer_that_keeps_up_is_never_copied(EngineKind engine)
    {
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(_runtimes[engine]);
        client.NoDelay = true;
        using (client)
        {
            BypassDuplexPipe pipe = server.AsDuplexPipe();
            for (int i = 0; i < 64; i++)
            {
                await client.SendAsync(new[] { (byte)i }.AsMemory(), SocketFlags.None);
                ReadResult result = await pipe.Input.ReadAsync(Deadline.Token());
                Assert.Equal((byte)i, result.Buffer.FirstSpan[0]);
                pipe.Input.AdvanceTo(result.Buffer.End);
            }

            // Zero-copy stays the fast path: nothing was left behind, so nothing was compacted.
            Assert.Equal(0, pipe.Reader.Compactions);
            await pipe.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Small_flushes_that_outrun_the_peer_arrive_complete_and_in_order(EngineKind engine)
    {
        // Small chunks flushed from a pool thread go out with a direct non-blocking send while the kernel takes them;
        // once the peer stops reading, sends come up short or would block and the rest goes through the engine. The
        // peer must see every byte once, in order, across those switches.
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(_runtimes[engine]);
        await using var clientStream = new BypassNetworkStream(client, ownsSocket: true);
        BypassDuplexPipe pipe = server.AsDuplexPipe();
        const int Chunk = 1000;
        const int Total = Chunk * 33_000; // more than loopback's socket buffers hold, so the writer must block
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task writer = Task.Run(async () =>
        {
            for (int offset = 0; offset < Total; offset += Chunk)
            {
                Memory<byte> memory = pipe.Output.GetMemory(Chunk);
                for (int i = 0; i < Chunk; i++)
                {
                    memory.Span[i] = (byte)((offset + i) % 251);
                }

                pipe.Output.Advance(Chunk);
                ValueTask<FlushResult> flush = pipe.Output.FlushAsync(Deadline.Token());
                if (!flush.IsCompleted)
                {
                    // Backpressure: the kernel's buffer and the writer's queue are full; now the peer starts reading.
                    blocked.TrySetResult();
                }

                Assert.False((await flush).IsCompleted);
            }

            blocked.TrySetResult();
            await pipe.DisposeAsync();
        });

        await blocked.Task.WaitAsync(Deadline.Hang);
        byte[] received = new byte[Total];
        await clientStream.ReadExactlyAsync(received, Deadline.Token());
        await writer.WaitAsync(Deadline.Hang);
        for (int i = 0; i < Total; i++)
        {
            if (received[i] != (byte)(i % 251))
            {
                Assert.Fail($"byte {i} is {received[i]}, expected {(byte)(i % 251)}");
            }
        }

        Assert.Equal(0, await clientStream.ReadAsync(new byte[1], Deadline.Token()));
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task CancelPendingRead_and_tokens_end_a_waiting_read_without_losing_data(EngineKind engine)
    {
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(_runtimes[engine]);
        using (client)
        {
            BypassDuplexPipe pipe = server.AsDuplexPipe();
            ValueTask<ReadResult> waiting = pipe.Input.ReadAsync();
            pipe.Input.CancelPendingRead();
            ReadResult canceled = await waiting;
            Assert.True(canceled.IsCanceled);
            Assert.False(canceled.IsCompleted);
            pipe.Input.AdvanceTo(canceled.Buffer.Start);

            // A cancel with no read waiting applies to the next read.
            pipe.Input.CancelPendingRead();
            ReadResult next = await pipe.Input.ReadAsync();
            Assert.True(next.IsCanceled);
            pipe.Input.AdvanceTo(next.Buffer.Start);

            using var cts = new CancellationTokenSource();
            ValueTask<ReadResult> withToken = pipe.Input.ReadAsync(cts.Token);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await withToken);

            await client.SendAsync(new byte[] { 5, 6, 7 }.AsMemory(), SocketFlags.None);
            ReadResult data = await ReadAtLeastAsync(pipe.Input, 3);
            Assert.Equal(new byte[] { 5, 6, 7 }, data.Buffer.ToArray());
            pipe.Input.AdvanceTo(data.Buffer.End);
            await pipe.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task End_of_stream_completes_the_input_and_a_reset_faults_it(EngineKind engine)
    {
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(_runtimes[engine]);
        BypassDuplexPipe pipe = server.AsDuplexPipe();
        await client.SendAsync(new byte[] { 1 }.AsMemory(), SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);
        ReadResult result;
        while (!(result = await pipe.Input.ReadAsync(Deadline.Token())).IsCompleted)
        {
            pipe.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }

        Assert.Equal(new byte[] { 1 }, result.Buffer.ToArray());
        pipe.Input.AdvanceTo(result.Buffer.End);
        Assert.True((await pipe.Input.ReadAsync()).IsCompleted);
        await pipe.DisposeAsync();
        client.Dispose();

        (client, server) = await EngineRuntimes.ConnectPairAsync(_runtimes[engine]);
        pipe = server.AsDuplexPipe();
        client.Close(0);
        SocketException reset = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            while (true)
            {
                ReadResult r = await pipe.Input.ReadAsync(Deadline.Token());
                pipe.Input.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted)
                {
                    // Some kernels report the reset on the next operation after end of stream.
                    await pipe.Output.WriteAsync(new byte[1]);
                    await pipe.Output.WriteAsync(new byte[1]);
                    r = await pipe.Input.ReadAsync(Deadline.Token());
                    Assert.Fail("a reset connection must fault the input, got IsCompleted=" + r.IsCompleted);
                }
            }
        });
        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
        await pipe.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Output_sends_from_pool_buffers_and_survives_pool_exhaustion(EngineKind engine)
    {
        BypassRuntime runtime = _runtimes[engine];
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(runtime);
        await using var reader = new BypassNetworkStream(client, ownsSocket: true);
        BypassDuplexPipe pipe = server.AsDuplexPipe();

        // More than the whole pool (64 x 64 KiB) unflushed: the writer falls back to heap memory instead of failing.
        int size = (runtime.Buffers.Count + 8) * runtime.Buffers.BufferSize;
        byte[] payload = new byte[size];
        new Random(9).NextBytes(payload);
        int written = 0;
        while (written < size)
        {
            Memory<byte> memory = pipe.Output.GetMemory(1000);
            int n = Math.Min(memory.Length, size - written);
            payload.AsMemory(written, n).CopyTo(memory);
            pipe.Output.Advance(n);
            written += n;
        }

        Assert.Equal(size, pipe.Output.UnflushedBytes);
        byte[] received = new byte[size];
        Task read = reader.ReadExactlyAsync(received, Deadline.Token()).AsTask();
        FlushResult flushed = await pipe.Output.FlushAsync(Deadline.Token());
        Assert.False(flushed.IsCompleted);
        Assert.False(flushed.IsCanceled);
        await read.WaitAsync(Deadline.Hang);
        Assert.Equal(payload, received);

        // Every pool buffer came back once its send completed.
        Assert.Equal(runtime.Buffers.Count, runtime.Buffers.Available);
        await pipe.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Completing_the_output_sends_what_was_written_before_the_socket_closes(EngineKind engine)
    {
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(_runtimes[engine]);
        await using var reader = new BypassNetworkStream(client, ownsSocket: true);
        BypassDuplexPipe pipe = server.AsDuplexPipe();
        pipe.Output.Write("unflushed goodbye"u8);
        await pipe.DisposeAsync();

        using var received = new MemoryStream();
        await reader.CopyToAsync(received).WaitAsync(Deadline.Hang);
        Assert.Equal("unflushed goodbye"u8.ToArray(), received.ToArray());
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Readers_of_many_connections_resume_off_the_engine_threads_each_with_its_own_bytes_in_order(EngineKind engine)
    {
        // Default mode: the pipe's pump runs on the ring (or completion) thread, but each reader resumes on a
        // thread-pool thread, never the ring's, and sees exactly its own stream, however many complete in one batch.
        const int Connections = 16;
        const int Rounds = 20;
        BypassRuntime runtime = _runtimes[engine];
        var pairs = new (BypassSocket Client, BypassSocket Server)[Connections];
        for (int i = 0; i < Connections; i++)
        {
            pairs[i] = await EngineRuntimes.ConnectPairAsync(runtime);
        }

        int onEngineThread = 0;
        Task<byte[]>[] readers = pairs.Select(pair => Task.Run(async () =>
        {
            BypassDuplexPipe pipe = pair.Server.AsDuplexPipe();
            var received = new List<byte>();
            while (received.Count < Rounds)
            {
                ReadResult result = await pipe.Input.ReadAsync(Deadline.Token());
                if (Thread.CurrentThread.Name?.StartsWith("BypassNet", StringComparison.Ordinal) == true || !Thread.CurrentThread.IsThreadPoolThread)
                {
                    Interlocked.Increment(ref onEngineThread);
                }

                received.AddRange(result.Buffer.ToArray());
                pipe.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await pipe.DisposeAsync();
            return received.ToArray();
        })).ToArray();

        for (int round = 0; round < Rounds; round++)
        {
            // Every connection's byte at once, so one ring batch completes many readers.
            for (int i = 0; i < Connections; i++)
            {
                await pairs[i].Client.SendAsync(new[] { (byte)(i * Rounds + round) }.AsMemory(), SocketFlags.None);
            }
        }

        byte[][] results = await Task.WhenAll(readers).WaitAsync(Deadline.Hang);
        for (int i = 0; i < Connections; i++)
        {
            Assert.Equal(Enumerable.Range(i * Rounds, Rounds).Select(b => (byte)b), results[i]);
            pairs[i].Client.Dispose();
        }

        Assert.Equal(0, onEngineThread);
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task A_buffer_given_back_from_an_application_thread_goes_home_while_the_connection_stays_idle(EngineKind engine)
    {
        // On io_uring a slot returned off the ring thread goes back with the ring's next receive completion; with none
        // coming (an idle connection that stays open) it must still go home, and not only when something else happens.
        using BypassRuntime runtime = EngineRuntimes.Create(engine);
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(runtime);
        using (client)
        {
            BypassDuplexPipe pipe = server.AsDuplexPipe();
            await client.SendAsync(new byte[] { 1, 2, 3 }.AsMemory(), SocketFlags.None);
            await Task.Run(async () =>
            {
                ReadResult result = await ReadAtLeastAsync(pipe.Input, 3);
                Assert.Equal(new byte[] { 1, 2, 3 }, result.Buffer.ToArray());
                pipe.Input.AdvanceTo(result.Buffer.End);
            });

            DateTime deadline = DateTime.UtcNow + Deadline.Hang;
            (int available, int count) = ReceiveSlots.Of(runtime);
            while (available != count && DateTime.UtcNow < deadline)
            {
                await Task.Delay(5);
                (available, count) = ReceiveSlots.Of(runtime);
            }

            Assert.Equal(count, available);

            // The connection still works after the slot went home.
            await client.SendAsync(new byte[] { 4 }.AsMemory(), SocketFlags.None);
            ReadResult next = await ReadAtLeastAsync(pipe.Input, 1);
            Assert.Equal(new byte[] { 4 }, next.Buffer.ToArray());
            pipe.Input.AdvanceTo(next.Buffer.End);
            await pipe.DisposeAsync();
        }
    }

    private static async Task<ReadResult> ReadAtLeastAsync(PipeReader reader, int count)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync(Deadline.Token());
            if (result.Buffer.Length >= count || result.IsCompleted)
            {
                return result;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
