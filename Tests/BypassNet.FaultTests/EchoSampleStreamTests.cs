using System.Net.Sockets;
using BypassNet.FaultTests.Support;

namespace BypassNet.FaultTests;

/// <summary>
/// The EchoServer sample (a real process at its defaults) under clients that are not ping-pong: its loop keeps one send
/// in flight while it receives the next buffer, so a client that streams without waiting, half-closes, or resets with
/// replies in flight must still get every byte back in order, or end only its own connection.
/// </summary>
public sealed class EchoSampleStreamTests
{
    [SkippableTheory]
    [InlineData("iouring")]
    [InlineData("socket")]
    public async Task A_streaming_client_that_half_closes_gets_every_byte_back_in_order(string engine)
    {
        using ChildProcess server = await StartAsync(engine);
        int port = await server.ListeningPortAsync();

        // 8 MiB in uneven writes, sent while the echo is read concurrently: receives land while sends are in flight.
        byte[] payload = new byte[8 * 1024 * 1024];
        new Random(7).NextBytes(payload);
        using Socket client = await ChildProcess.ConnectLoopbackAsync(port);
        Task sending = Task.Run(async () =>
        {
            var random = new Random(11);
            for (int offset = 0; offset < payload.Length;)
            {
                int n = Math.Min(random.Next(1, 70_000), payload.Length - offset);
                offset += await client.SendAsync(payload.AsMemory(offset, n), SocketFlags.None);
            }

            client.Shutdown(SocketShutdown.Send);
        });

        byte[] echoed = new byte[payload.Length + 1];
        int filled = 0;
        while (true)
        {
            int n = await client.ReceiveAsync(echoed.AsMemory(filled), SocketFlags.None).AsTask().WaitAsync(Faults.Guard);
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        await sending.WaitAsync(Faults.Guard);
        Assert.Equal(payload.Length, filled);
        Assert.True(payload.AsSpan().SequenceEqual(echoed.AsSpan(0, filled)), "the echo differs from what was sent");
    }

    [SkippableTheory]
    [InlineData("iouring")]
    [InlineData("socket")]
    public async Task Clients_that_reset_with_replies_in_flight_end_alone_and_the_server_goes_on(string engine)
    {
        using ChildProcess server = await StartAsync(engine);
        int port = await server.ListeningPortAsync();

        for (int i = 0; i < 20; i++)
        {
            // Writes a lot, reads nothing, then resets: the server's sends back are in flight or stuck when it does.
            using Socket rude = await ChildProcess.ConnectLoopbackAsync(port);
            byte[] chunk = new byte[256 * 1024];
            using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
            try
            {
                while (true)
                {
                    await rude.SendAsync(chunk, SocketFlags.None, stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // The server stopped reading (its replies are not read): enough is in flight.
            }

            rude.LingerState = new LingerOption(true, 0);
            rude.Close();
        }

        // A polite client after them is served, byte for byte.
        using Socket polite = await ChildProcess.ConnectLoopbackAsync(port);
        byte[] message = "still here"u8.ToArray();
        await polite.SendAsync(message, SocketFlags.None);
        byte[] reply = new byte[message.Length];
        int got = 0;
        while (got < reply.Length)
        {
            int n = await polite.ReceiveAsync(reply.AsMemory(got), SocketFlags.None).AsTask().WaitAsync(Faults.Guard);
            Assert.NotEqual(0, n);
            got += n;
        }

        Assert.Equal(message, reply);
        Assert.False(server.HasExited, server.Output);
    }

    private static async Task<ChildProcess> StartAsync(string engine)
    {
        Skip.If(engine == "iouring" && !Faults.IoUringAvailable, "io_uring is unavailable on this machine");
        ChildProcess child = ChildProcess.Start(ChildProcess.Dll("Samples/EchoServer", "EchoServer"), ["--port", "0", "--engine", engine]);
        await Task.Yield();
        return child;
    }
}
