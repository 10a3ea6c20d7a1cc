using System.Net.Sockets;
using BypassNet.FaultTests.Support;

namespace BypassNet.FaultTests;

/// <summary>Each direction of a connection ends on its own.</summary>
public sealed class HalfCloseTests
{
    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task Both_sides_half_close_at_once_and_each_still_reads_the_other_to_the_end(EngineKind engine)
    {
        using BypassRuntime runtime = Faults.Create(engine);
        using BypassSocket listener = Faults.Listen(runtime);
        var pairs = new List<Task>();
        for (int p = 0; p < 8; p++)
        {
            (BypassSocket client, BypassSocket server) = await Faults.ConnectPairAsync(runtime, listener);
            int seed = p * 2;
            pairs.Add(Task.Run(async () =>
            {
                await using (client)
                await using (server)
                {
                    // Both directions at once: each side sends its stream, shuts down sending, and reads the other's.
                    Task<long>[] ends =
                    {
                        SendThenReadToEndAsync(client, seed, 1 << 20, seed + 1, 1 << 20),
                        SendThenReadToEndAsync(server, seed + 1, 1 << 20, seed, 1 << 20),
                    };
                    long[] read = await Task.WhenAll(ends);
                    Assert.Equal(new long[] { 1 << 20, 1 << 20 }, read);

                    // End of stream is sticky, and a send after Shutdown(Send) fails without losing its buffer.
                    using (OwnedBuffer again = await client.ReceiveAsync())
                    {
                        Assert.Equal(0, again.Length);
                    }

                    OwnedBuffer late = await runtime.Buffers.RentAsync();
                    late.Length = 10;
                    SocketException error = await Assert.ThrowsAsync<SocketException>(async () => await server.SendAsync(late));
                    Assert.Equal(SocketError.Shutdown, error.SocketErrorCode);
                }
            }));
        }

        await Task.WhenAll(pairs).WaitAsync(Faults.Guard);
        await Faults.AssertEverythingHomeAsync(runtime);
    }

    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task A_side_that_has_seen_end_of_stream_keeps_sending_until_it_is_done(EngineKind engine)
    {
        using BypassRuntime runtime = Faults.Create(engine);
        using BypassSocket listener = Faults.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await Faults.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            // The server answers first and closes its sending side; the client reads that to the end, then uploads.
            Task<long> serverSide = SendThenReadToEndAsync(server, 1, 100_000, 2, 3 << 20);
            var pattern = new StreamPattern(1);
            while (true)
            {
                using OwnedBuffer buffer = await client.ReceiveAsync();
                if (buffer.Length == 0)
                {
                    break;
                }

                pattern.Verify(buffer.Span);
            }

            Assert.Equal(100_000, pattern.Position);
            await SendStreamAsync(client, 2, 3 << 20);
            client.Shutdown(SocketShutdown.Send);
            Assert.Equal(3 << 20, await serverSide.WaitAsync(Faults.Guard));
        }

        await Faults.AssertEverythingHomeAsync(runtime);
    }

    /// <summary>Sends a stream and shuts down sending while reading the peer's stream to its end; returns bytes verified.</summary>
    private static async Task<long> SendThenReadToEndAsync(BypassSocket socket, int sendSeed, int sendBytes, int readSeed, int readBytes)
    {
        Task sending = Task.Run(async () =>
        {
            await SendStreamAsync(socket, sendSeed, sendBytes);
            socket.Shutdown(SocketShutdown.Send);
        });
        var pattern = new StreamPattern(readSeed);
        byte[] copy = new byte[5000];
        while (true)
        {
            // The drop-in receive path, so both paths see half-close.
            int n = await socket.ReceiveAsync(copy.AsMemory(), SocketFlags.None);
            if (n == 0)
            {
                break;
            }

            pattern.Verify(copy.AsSpan(0, n));
            Assert.True(pattern.Position <= readBytes);
        }

        await sending.WaitAsync(Faults.Guard);
        return pattern.Position;
    }

    private static async Task SendStreamAsync(BypassSocket socket, int seed, int bytes)
    {
        var pattern = new StreamPattern(seed);
        while (pattern.Position < bytes)
        {
            OwnedBuffer buffer = await socket.Buffers.RentAsync();
            buffer.Length = (int)Math.Min(buffer.Capacity, bytes - pattern.Position);
            pattern.Fill(buffer.Span);
            await socket.SendAsync(buffer);
        }
    }
}
