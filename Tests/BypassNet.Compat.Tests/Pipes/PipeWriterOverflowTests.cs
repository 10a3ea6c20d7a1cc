using System.IO.Pipelines;
using BypassNet.Compat.Tests.Support;

namespace BypassNet.Compat.Tests.Pipes;

/// <summary>
/// The pipe writer when the runtime's send pool is exhausted, as at 1,000 Kestrel connections with sends in flight:
/// small writes take small heap chunks, and chunks come back for reuse, so many connections writing at once do not
/// allocate a chunk per response.
/// </summary>
public sealed class PipeWriterOverflowTests
{
    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Many_writers_on_an_exhausted_pool_reuse_small_heap_chunks(EngineKind engine)
    {
        const int Writers = 200;
        const int Rounds = 6;
        byte[] response = new byte[100];
        new Random(5).NextBytes(response);
        using BypassRuntime runtime = EngineRuntimes.Create(engine, o =>
        {
            o.SendBufferCount = 4;
            o.ReceiveBuffersPerRing = 256;
        });
        var held = new List<OwnedBuffer>();
        while (runtime.Buffers.TryRent(out OwnedBuffer buffer))
        {
            held.Add(buffer);
        }

        var peers = new BypassNetworkStream[Writers];
        var pipes = new BypassDuplexPipe[Writers];
        for (int i = 0; i < Writers; i++)
        {
            (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(runtime);
            peers[i] = new BypassNetworkStream(client, ownsSocket: true);
            pipes[i] = server.AsDuplexPipe();
        }

        try
        {
            long steadyAllocated = 0;
            for (int round = 0; round < Rounds; round++)
            {
                // Every writer holds a chunk at once (written, not yet flushed): 200 chunks outstanding together.
                long before = GC.GetAllocatedBytesForCurrentThread();
                foreach (BypassDuplexPipe pipe in pipes)
                {
                    Memory<byte> memory = pipe.Output.GetMemory();
                    Assert.InRange(memory.Length, response.Length, runtime.Buffers.BufferSize - 1);
                    response.CopyTo(memory);
                    pipe.Output.Advance(response.Length);
                }

                if (round > 0)
                {
                    steadyAllocated += GC.GetAllocatedBytesForCurrentThread() - before;
                }

                foreach (BypassDuplexPipe pipe in pipes)
                {
                    FlushResult flushed = await pipe.Output.FlushAsync(Deadline.Token());
                    Assert.False(flushed.IsCompleted);
                }

                byte[] received = new byte[response.Length];
                foreach (BypassNetworkStream peer in peers)
                {
                    await peer.ReadExactlyAsync(received, Deadline.Token()).AsTask().WaitAsync(Deadline.Hang);
                    Assert.Equal(response, received);
                }
            }

            // The first round may allocate the chunks; later rounds find them back in the writer's pool. One 4 KiB
            // chunk per writer per round, as the shared array pool allocated at this concurrency, would be 4 MB here.
            Assert.True(steadyAllocated < Writers * 1024, $"{steadyAllocated:N0} bytes allocated by {Writers * (Rounds - 1)} small writes after the first round");
        }
        finally
        {
            foreach (BypassDuplexPipe pipe in pipes)
            {
                await pipe.DisposeAsync();
            }

            foreach (BypassNetworkStream peer in peers)
            {
                await peer.DisposeAsync();
            }

            foreach (OwnedBuffer buffer in held)
            {
                buffer.Dispose();
            }
        }
    }
}
