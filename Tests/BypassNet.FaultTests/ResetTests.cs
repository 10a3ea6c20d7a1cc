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
}
