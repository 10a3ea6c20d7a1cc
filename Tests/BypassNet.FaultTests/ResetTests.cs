using System.Net.Sockets;
using BypassNet.FaultTests.Support;

namespace BypassNet.FaultTests;

/// <summary>Peers that reset (SO_LINGER 0) in the middle of a send or a receive stream.</summary>
public sealed class ResetTests
{
    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task Resets_mid_send_and_mid_receive_fail_only_their_own_connections(EngineKind engine)
    {
        using BypassRuntime runtime = Faults.Create(engine, o => o.SendBufferCount = 128);
        using BypassSocket listener = Faults.Listen(runtime);

        // A control connection carries a checked stream the whole time; the resets around it must not touch it.
        (BypassSocket controlClient, BypassSocket controlServer) = await Faults.ConnectPairAsync(runtime, listener);
        const int controlBytes = 600 * 7000;
        Task controlSend = Task.Run(async () =>
        {
            var pattern = new StreamPattern(1);
            byte[] chunk = new byte[7000];
            while (pattern.Position < controlBytes)
            {
                pattern.Fill(chunk);
                await Faults.SendOwnedAsync(controlClient, chunk);
            }

            controlClient.Shutdown(SocketShutdown.Send);
        });
        Task<long> controlRead = Task.Run(async () =>
        {
            var pattern = new StreamPattern(1);
            while (true)
            {
                using OwnedBuffer buffer = await controlServer.ReceiveAsync();
                if (buffer.Length == 0)
                {
                    return pattern.Position;
                }

                pattern.Verify(buffer.Span);
            }
        });

        // Mid-send: the server side streams to a client that never reads, then the client resets.
        var midSend = new List<Task<Exception>>();
        var midSendClients = new List<BypassSocket>();
        for (int i = 0; i < 16; i++)
        {
            (BypassSocket client, BypassSocket server) = await Faults.ConnectPairAsync(runtime, listener);
            client.ReceiveBufferSize = 8192;
            midSendClients.Add(client);
            int sends = 0;
            var firstSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            midSend.Add(Task.Run(async () =>
            {
                await using (server)
                {
                    try
                    {
                        while (true)
                        {
                            OwnedBuffer buffer = await runtime.Buffers.RentAsync();
                            await server.SendAsync(buffer);
                            if (++sends == 1)
                            {
                                firstSent.SetResult();
                            }
                        }
                    }
                    catch (Exception ex)
                    {
                        firstSent.TrySetResult();
                        return ex;
                    }
                }
            }));
            await firstSent.Task.WaitAsync(Faults.Guard);
        }

        // Mid-receive: the client streams to the server, which reads and checks; the client resets part way.
        var midReceive = new List<Task<(Exception? Error, long Verified)>>();
        var midReceiveClients = new List<(BypassSocket Client, Task Sending)>();
        for (int i = 0; i < 16; i++)
        {
            (BypassSocket client, BypassSocket server) = await Faults.ConnectPairAsync(runtime, listener);
            int seed = 100 + i;
            var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task sending = Task.Run(async () =>
            {
                var pattern = new StreamPattern(seed);
                byte[] chunk = new byte[4096];
                try
                {
                    while (true)
                    {
                        pattern.Fill(chunk);
                        await Faults.SendOwnedAsync(client, chunk);
                    }
                }
                catch (Exception ex) when (ex is ObjectDisposedException or SocketException or OperationCanceledException)
                {
                    // The reset below ends this side's own send; only the server side is checked.
                }
            });
            midReceiveClients.Add((client, sending));
            midReceive.Add(Task.Run(async () =>
            {
                var pattern = new StreamPattern(seed);
                await using (server)
                {
                    try
                    {
                        while (true)
                        {
                            using OwnedBuffer buffer = await server.ReceiveAsync();
                            if (buffer.Length == 0)
                            {
                                return ((Exception?)null, pattern.Position);
                            }

                            // Whatever arrives before the reset is an exact prefix of the stream.
                            pattern.Verify(buffer.Span);
                            if (pattern.Position >= 64 * 1024)
                            {
                                halfway.TrySetResult();
                            }
                        }
                    }
                    catch (SocketException ex)
                    {
                        halfway.TrySetResult();
                        return (ex, pattern.Position);
                    }
                }
            }));
            await halfway.Task.WaitAsync(Faults.Guard);
        }

        foreach (BypassSocket client in midSendClients)
        {
            client.Close(0);
        }

        foreach ((BypassSocket client, Task sending) in midReceiveClients)
        {
            client.Close(0);
            await sending.WaitAsync(Faults.Guard);
        }

        foreach (Task<Exception> task in midSend)
        {
            Exception error = await task.WaitAsync(Faults.Guard);
            SocketException socketError = Assert.IsType<SocketException>(error);
            Assert.Contains(socketError.SocketErrorCode, new[] { SocketError.ConnectionReset, SocketError.Shutdown, SocketError.ConnectionAborted });
        }

        foreach (Task<(Exception? Error, long Verified)> task in midReceive)
        {
            (Exception? error, long verified) = await task.WaitAsync(Faults.Guard);
            Assert.True(verified >= 64 * 1024);
            SocketException socketError = Assert.IsType<SocketException>(error);
            Assert.Equal(SocketError.ConnectionReset, socketError.SocketErrorCode);
        }

        await controlSend.WaitAsync(Faults.Guard);
        Assert.Equal(controlBytes, await controlRead.WaitAsync(Faults.Guard));
        await controlClient.DisposeAsync();
        await controlServer.DisposeAsync();

        // The listener still accepts and the runtime still carries data.
        (BypassSocket c, BypassSocket s) = await Faults.ConnectPairAsync(runtime, listener);
        await using (c)
        await using (s)
        {
            await Faults.SendOwnedAsync(c, new byte[] { 4, 5, 6 });
            Assert.Equal(new byte[] { 4, 5, 6 }, await Faults.ReceiveExactlyAsync(s, 3));
        }

        await Faults.AssertEverythingHomeAsync(runtime);
    }

    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task A_reset_is_reported_once_and_later_receives_read_end_of_stream_as_on_stock_sockets(EngineKind engine)
    {
        using BypassRuntime runtime = Faults.Create(engine);
        using BypassSocket listener = Faults.Listen(runtime);

        // Reset while a receive waits (owned path), and reset before the receive starts (copying path).
        (BypassSocket waitingClient, BypassSocket waiting) = await Faults.ConnectPairAsync(runtime, listener);
        (BypassSocket lateClient, BypassSocket late) = await Faults.ConnectPairAsync(runtime, listener);
        using BypassSocket _ = waiting;
        using BypassSocket __ = late;
        ValueTask<OwnedBuffer> pending = waiting.ReceiveAsync();
        waitingClient.Close(0);
        lateClient.Close(0);
        // Usually long enough for the reset to arrive before the late receive starts (the path without a waiter); the
        // outcome must be the same either way, so the delay only chooses which path the test most often takes.
        await Task.Delay(50);

        // What System.Net.Sockets does with the same two sequences, on real sockets.
        using var stockListener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        stockListener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        stockListener.Listen();
        var expected = new List<string>();
        foreach (bool waitFirst in new[] { true, false })
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(stockListener.LocalEndPoint!);
            using Socket server = await stockListener.AcceptAsync();
            ValueTask<int> first = waitFirst ? server.ReceiveAsync(new byte[8].AsMemory()) : default;
            client.LingerState = new LingerOption(true, 0);
            client.Close();
            if (!waitFirst)
            {
                await Task.Delay(50);
                first = server.ReceiveAsync(new byte[8].AsMemory());
            }

            expected.Add(await OutcomeAsync(async () => await first));
            expected.Add(await OutcomeAsync(async () => await server.ReceiveAsync(new byte[8].AsMemory())));
        }

        var actual = new List<string>
        {
            await OutcomeAsync(async () => { using OwnedBuffer b = await pending; return b.Length; }),
            await OutcomeAsync(async () => { using OwnedBuffer b = await waiting.ReceiveAsync(); return b.Length; }),
            await OutcomeAsync(async () => await late.ReceiveAsync(new byte[8].AsMemory())),
            await OutcomeAsync(async () => await late.ReceiveAsync(new byte[8].AsMemory())),
        };
        Assert.Equal(new[] { "SocketException ConnectionReset", "returned 0", "SocketException ConnectionReset", "returned 0" }, expected);
        Assert.Equal(expected, actual);
        await Faults.AssertEverythingHomeAsync(runtime);

    }

    private static async Task<string> OutcomeAsync(Func<Task<int>> receive)
    {
        try
        {
            return $"returned {await receive()}";
        }
        catch (SocketException ex)
        {
            return $"SocketException {ex.SocketErrorCode}";
        }
    }
}
