using BypassNet.FaultTests.Support;

namespace BypassNet.FaultTests;

/// <summary>Several sends outstanding on one socket at once, to a reader that makes them block part way.</summary>
public sealed class PipelinedSendTests
{
    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task Sends_issued_without_awaiting_each_arrive_in_issue_order(EngineKind engine)
    {
        const int depth = 8;
        const int sends = 2000;
        using BypassRuntime runtime = Faults.Create(engine, o => o.SendBufferCount = 64);
        using BypassSocket listener = Faults.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await Faults.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            // Small kernel buffers so sends complete short and are resubmitted while later sends are queued.
            client.SendBufferSize = 8192;
            server.ReceiveBufferSize = 8192;
            Task<long> reading = Task.Run(async () =>
            {
                var check = new StreamPattern(11);
                int reads = 0;
                while (true)
                {
                    using OwnedBuffer buffer = await server.ReceiveAsync();
                    if (buffer.Length == 0)
                    {
                        return check.Position;
                    }

                    check.Verify(buffer.Span);
                    if (++reads % 16 == 0)
                    {
                        await Task.Delay(1);
                    }
                }
            });
            var pattern = new StreamPattern(11);
            var inFlight = new Queue<Task<int>>();
            for (int i = 0; i < sends; i++)
            {
                if (inFlight.Count == depth)
                {
                    // A reader that found the stream out of order fails the test here, not as a hang.
                    Task<int> oldest = inFlight.Dequeue();
                    await Task.WhenAny(oldest, reading).WaitAsync(Faults.Guard);
                    if (reading.IsFaulted)
                    {
                        await reading;
                    }

                    await oldest.WaitAsync(Faults.Guard);
                }

                OwnedBuffer buffer = await runtime.Buffers.RentAsync();
                buffer.Length = 16 * 1024;
                pattern.Fill(buffer.Span);
                inFlight.Enqueue(client.SendAsync(buffer).AsTask());
            }

            await Task.WhenAll(inFlight).WaitAsync(Faults.Guard);
            client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Assert.Equal(pattern.Position, await reading.WaitAsync(TimeSpan.FromSeconds(120)));
        }

        await Faults.AssertEverythingHomeAsync(runtime);
    }

    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task A_canceled_send_queued_behind_a_blocked_one_completes_at_once(EngineKind engine)
    {
        using BypassRuntime runtime = Faults.Create(engine, o => o.SendBufferCount = 256);
        using BypassSocket listener = Faults.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await Faults.ConnectPairAsync(runtime, listener);
        server.ReceiveBufferSize = 4096;
        client.SendBufferSize = 4096;

        // Fill the path to a reader that never reads until one send stays pending (timing only finds that moment).
        Task<int> blocked;
        while (true)
        {
            Task<int> send = client.SendAsync(await runtime.Buffers.RentAsync()).AsTask();
            if (await Task.WhenAny(send, Task.Delay(200)) != send)
            {
                blocked = send;
                break;
            }
        }

        var tokens = new CancellationTokenSource[3];
        var queued = new Task<int>[3];
        for (int i = 0; i < 3; i++)
        {
            tokens[i] = new CancellationTokenSource();
            queued[i] = client.SendAsync(await runtime.Buffers.RentAsync(), tokens[i].Token).AsTask();
        }

        tokens[1].Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued[1].WaitAsync(Faults.Guard));
        Assert.False(blocked.IsCompleted);

        // Closing ends the rest: the blocked send and those still queued behind it.
        await client.DisposeAsync().AsTask().WaitAsync(Faults.Guard);
        foreach (Task<int> rest in new[] { blocked, queued[0], queued[2] })
        {
            Exception error = await Assert.ThrowsAnyAsync<Exception>(() => rest.WaitAsync(Faults.Guard));
            Assert.True(error is ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException, error.ToString());
        }

        await server.DisposeAsync();
        await Faults.AssertEverythingHomeAsync(runtime);
    }
}
