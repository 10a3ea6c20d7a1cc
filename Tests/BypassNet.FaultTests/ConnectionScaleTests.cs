using System.Net.Sockets;
using BypassNet.FaultTests.Support;

namespace BypassNet.FaultTests;

/// <summary>Thousands of connections held open at the same time.</summary>
public sealed class ConnectionScaleTests
{
    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task Five_thousand_connections_held_at_once_each_echo_and_every_buffer_comes_home(EngineKind engine)
    {
        const int connections = 5000;
        using BypassRuntime runtime = Faults.Create(engine, o => o.ReceiveBuffersPerRing = 1024);
        using BypassSocket listener = Faults.Listen(runtime, backlog: 4096);
        var servers = new List<Task>();
        Task acceptLoop = Task.Run(async () =>
        {
            for (int i = 0; i < connections; i++)
            {
                BypassSocket accepted = await listener.AcceptAsync();
                lock (servers)
                {
                    servers.Add(Task.Run(async () =>
                    {
                        await using (accepted)
                        {
                            await Faults.EchoUntilClosedAsync(accepted);
                        }
                    }));
                }
            }
        });

        int connected = 0;
        var allConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task[] clients = Enumerable.Range(0, connections).Select(i => Task.Run(async () =>
        {
            await using BypassSocket client = Faults.NewSocket(runtime);
            await client.ConnectAsync(listener.LocalEndPoint!);
            if (Interlocked.Increment(ref connected) == connections)
            {
                allConnected.SetResult();
            }

            // Nobody talks until all 5,000 are open at once: every one holds its descriptor, ring state and receive.
            await allConnected.Task;
            byte[] payload = new byte[48];
            new StreamPattern(i).Fill(payload);
            BitConverter.TryWriteBytes(payload, i);
            await Faults.SendOwnedAsync(client, payload);
            byte[] echoed = await Faults.ReceiveExactlyAsync(client, payload.Length);
            Assert.Equal(payload, echoed);
            client.Shutdown(SocketShutdown.Send);
            using OwnedBuffer end = await client.ReceiveAsync();
            Assert.Equal(0, end.Length);
        })).ToArray();

        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(150));
        await acceptLoop.WaitAsync(Faults.Guard);
        Task[] serverTasks;
        lock (servers)
        {
            serverTasks = servers.ToArray();
        }

        Assert.Equal(connections, serverTasks.Length);
        await Task.WhenAll(serverTasks).WaitAsync(Faults.Guard);
        Assert.Equal(connections, runtime.GetStatistics().Accepts);
        await Faults.AssertEverythingHomeAsync(runtime);
    }
}
