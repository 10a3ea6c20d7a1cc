using BypassNet.Tests.Support;

namespace BypassNet.Tests.Sockets;

public sealed class ZeroCopySendTests
{
    [SkippableFact]
    public async Task Loopback_copies_a_zero_copy_send_so_the_socket_switches_to_plain_send_and_says_so()
    {
        Skip.IfNot(TestEngines.IoUringAvailable, "io_uring is unavailable on this machine");
        using BypassRuntime runtime = TestEngines.Create(EngineKind.IoUring, o => o.ZeroCopyThreshold = 32 * 1024);
        Skip.IfNot(runtime.Capabilities!.SendZeroCopy, "no SEND_ZC on this kernel");
        using BypassSocket listener = TestEngines.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            Task<byte[]> reading = TestEngines.ReceiveExactlyAsync(server, 4 * 64 * 1024);
            byte[] expected = new byte[4 * 64 * 1024];
            for (int i = 0; i < 4; i++)
            {
                OwnedBuffer buffer = runtime.Buffers.Rent();
                buffer.Span.Fill((byte)(i + 1));
                buffer.Span.CopyTo(expected.AsSpan(i * buffer.Length));
                Assert.Equal(64 * 1024, await client.SendAsync(buffer));
            }

            Assert.Equal(expected, await reading.WaitAsync(TimeSpan.FromSeconds(30)));
            BypassStatistics stats = runtime.GetStatistics();
            // The first large send went out as SEND_ZC; loopback copied it, the notification said so, and the
            // socket used plain SEND from then on: exactly one copied zero-copy send, none reported as zero-copy.
            Assert.Equal(1, stats.ZeroCopyCopied);
            Assert.Equal(0, stats.ZeroCopySends);
            Assert.True(stats.Sends >= 4);
        }

        // Every send buffer came back only after the kernel was done with it.
        Assert.Equal(runtime.Buffers.Count, runtime.Buffers.Available);
    }
}
