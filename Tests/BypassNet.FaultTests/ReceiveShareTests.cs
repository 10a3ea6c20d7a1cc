using System.Net;
using System.Net.Sockets;
using BypassNet.Engines.Uring;
using BypassNet.FaultTests.Support;

namespace BypassNet.FaultTests;

/// <summary>
/// Receive capacity is shared with a hard per-connection bound: peers that stop reading, dribble bytes or exhaust a
/// tiny ring never stall the others, and every slot comes home. Clients are plain System.Net.Sockets sockets (real
/// kernel peers); servers are BypassSockets on the engine under test.
/// </summary>
public sealed class ReceiveShareTests
{
    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public Task Healthy_echo_clients_keep_progressing_while_900_peers_stop_reading(EngineKind engine) =>
        StalledPeersAsync(engine, ownedEcho: false);

    /// <summary>The owned echo holds each received lease through its blocked send: on a low ring those are compacted memory, not slots.</summary>
    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public Task Healthy_clients_of_an_owned_echo_keep_progressing_while_900_peers_stop_reading(EngineKind engine) =>
        StalledPeersAsync(engine, ownedEcho: true);

    private static async Task StalledPeersAsync(EngineKind engine, bool ownedEcho)
    {
        // 128 KiB per stalled peer is twice the per-connection unread budget (64 KiB = 4 slots of 16 KiB), so every
        // stalled connection reaches its bound: 900 of them at 4 slots each would want 7x the 512-slot ring.
        const int stalled = 900;
        const int healthy = 100;
        const int perStalled = 128 * 1024;
        using BypassRuntime runtime = Faults.Create(engine, o => o.RingCount = 1);
        using BypassSocket listener = Faults.Listen(runtime);
        var servers = new List<Task>();
        Task accepting = AcceptEchoAsync(runtime, listener, stalled + healthy, servers, ownedEcho);
        var clients = new List<Socket>();
        var stalledSends = new List<Task>();
        for (int i = 0; i < stalled; i++)
        {
            Socket client = await ConnectAsync(listener, receiveBuffer: 4096);
            clients.Add(client);
            byte[] payload = Faults.Stream(i, perStalled);
            // Never read: the echo backs up into the server, whose receive must pause for this peer alone.
            stalledSends.Add(client.SendAsync(payload, SocketFlags.None));
        }

        var healthyClients = new List<Socket>();
        for (int i = 0; i < healthy; i++)
        {
            Socket client = await ConnectAsync(listener, receiveBuffer: 0);
            healthyClients.Add(client);
            clients.Add(client);
        }

        Task[] echoing = healthyClients.Select((c, i) => Task.Run(() => EchoRoundsAsync(c, 10_000 + i, rounds: 20, size: 2048))).ToArray();
        await Task.WhenAll(echoing).WaitAsync(Faults.Guard);
        if (!ownedEcho)
        {
            AssertSlotsBounded(runtime);
        }

        foreach (Socket client in clients)
        {
            client.Dispose();
        }

        await accepting.WaitAsync(Faults.Guard);
        await Task.WhenAll(servers.Select(s => s.ContinueWith(_ => { }))).WaitAsync(Faults.Guard);
        await Faults.AssertEverythingHomeAsync(runtime);
    }

    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task Dribbling_one_byte_at_a_time_costs_bytes_not_slots(EngineKind engine)
    {
        const int dribblers = 1000;
        const int bytesEach = 5;
        using BypassRuntime runtime = Faults.Create(engine, o => o.RingCount = 1);
        using BypassSocket listener = Faults.Listen(runtime);
        var servers = new List<BypassSocket>();
        var clients = new List<Socket>();
        Task accepting = Task.Run(async () =>
        {
            for (int i = 0; i < dribblers; i++)
            {
                servers.Add(await listener.AcceptAsync());
            }
        });
        for (int i = 0; i < dribblers; i++)
        {
            Socket client = await ConnectAsync(listener, receiveBuffer: 0);
            client.NoDelay = true;
            clients.Add(client);
        }

        await accepting.WaitAsync(Faults.Guard);
        // Every peer sends one byte per round (one segment each, NoDelay); the application reads nothing.
        for (int round = 0; round < bytesEach; round++)
        {
            foreach (Socket client in clients)
            {
                await client.SendAsync(new[] { (byte)round }, SocketFlags.None);
            }

            await Faults.WaitUntilAsync(() => servers.Sum(s => s.Available) == dribblers * (round + 1), "dribbled bytes arrived");
            AssertSlotsBounded(runtime);
        }

        // A healthy echo on the same ring is served meanwhile.
        using BypassSocket echoListener = Faults.Listen(runtime);
        Task<BypassSocket> echoAccept = echoListener.AcceptAsync();
        using Socket probe = await ConnectAsync(echoListener, receiveBuffer: 0);
        await using BypassSocket echoServer = await echoAccept.WaitAsync(Faults.Guard);
        Task echo = CopyEchoAsync(echoServer);
        await EchoRoundsAsync(probe, 77, rounds: 10, size: 1000).WaitAsync(Faults.Guard);

        // Nothing dribbled was lost: each server reads its peer's bytes in order.
        foreach (BypassSocket server in servers)
        {
            byte[] got = new byte[bytesEach];
            int filled = 0;
            while (filled < bytesEach)
            {
                filled += await server.ReceiveAsync(got.AsMemory(filled)).AsTask().WaitAsync(Faults.Guard);
            }

            Assert.Equal(Enumerable.Range(0, bytesEach).Select(b => (byte)b), got);
        }

        probe.Shutdown(SocketShutdown.Send);
        await echo.WaitAsync(Faults.Guard);
        foreach (Socket client in clients)
        {
            client.Dispose();
        }

        foreach (BypassSocket server in servers)
        {
            await server.DisposeAsync();
        }

        await Faults.AssertEverythingHomeAsync(runtime);
    }

    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task A_tiny_ring_exhausted_by_non_readers_rearms_the_starved_in_order_and_loses_nothing(EngineKind engine)
    {
        const int connections = 24;
        const int perConnection = 64 * 1024;
        using BypassRuntime runtime = Faults.Create(engine, o =>
        {
            o.RingCount = 1;
            o.ReceiveBuffersPerRing = 8;
            o.ReceiveBufferSize = 4096;
        });
        using BypassSocket listener = Faults.Listen(runtime);
        var pairs = new List<(Socket Client, BypassSocket Server)>();
        for (int i = 0; i < connections; i++)
        {
            Task<BypassSocket> accept = listener.AcceptAsync();
            Socket client = await ConnectAsync(listener, receiveBuffer: 0);
            pairs.Add((client, await accept.WaitAsync(Faults.Guard)));
        }

        // Everyone sends; no one reads until the ring has run dry (on io_uring) and receivers are queued as starved.
        Task[] sending = pairs.Select((p, i) => p.Client.SendAsync(Faults.Stream(i, perConnection), SocketFlags.None)).ToArray();
        if (runtime.EngineImpl is IoUringSocketEngine io)
        {
            await Faults.WaitUntilAsync(() => runtime.GetStatistics().BufferStarvations > 0, "the tiny ring ran dry");
        }

        // Now each reads everything, in order; starved receivers must all be re-armed as slots come back.
        Task[] reading = pairs.Select((p, i) => Task.Run(async () =>
        {
            byte[] expected = Faults.Stream(i, perConnection);
            byte[] got = new byte[perConnection];
            int filled = 0;
            while (filled < perConnection)
            {
                int n = await p.Server.ReceiveAsync(got.AsMemory(filled));
                Assert.NotEqual(0, n);
                filled += n;
            }

            Assert.Equal(expected, got);
        })).ToArray();
        await Task.WhenAll(reading).WaitAsync(Faults.Guard);
        await Task.WhenAll(sending).WaitAsync(Faults.Guard);
        if (runtime.EngineImpl is IoUringSocketEngine engineImpl)
        {
            Assert.Equal(0, engineImpl.Rings[0].StarvedCount);
        }

        foreach ((Socket client, BypassSocket server) in pairs)
        {
            client.Dispose();
            await server.DisposeAsync();
        }

        await Faults.AssertEverythingHomeAsync(runtime);
    }

    /// <summary>With every connection at its bound, at most half the ring (plus one socket's share) is held for unread data.</summary>
    private static void AssertSlotsBounded(BypassRuntime runtime)
    {
        if (runtime.EngineImpl is IoUringSocketEngine io)
        {
            (int available, int count) = Faults.ReceiveSlots(runtime);
            int bound = count / 2 + io.Backpressure.MaxHeldSlotsPerSocket;
            Assert.True(count - available <= bound, $"{count - available} of {count} ring slots held for unread data (bound {bound})");
        }
        else
        {
            // The socket engine never reads ahead of the application: no pool buffer is held for unread data.
            (int available, int count) = Faults.ReceiveSlots(runtime);
            Assert.Equal(count, available);
        }
    }

    private static async Task<Socket> ConnectAsync(BypassSocket listener, int receiveBuffer)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer > 0)
        {
            client.ReceiveBufferSize = receiveBuffer;
        }

        await client.ConnectAsync((IPEndPoint)listener.LocalEndPoint!).WaitAsync(Faults.Guard);
        return client;
    }

    private static async Task AcceptEchoAsync(BypassRuntime runtime, BypassSocket listener, int count, List<Task> servers, bool owned)
    {
        for (int i = 0; i < count; i++)
        {
            BypassSocket server = await listener.AcceptAsync();
            server.SendBufferSize = 8192;
            servers.Add(Task.Run(async () =>
            {
                await using (server)
                {
                    await (owned ? Faults.EchoUntilClosedAsync(server) : CopyEchoAsync(server));
                }
            }));
        }
    }

    /// <summary>Echoes through the copying calls (no lease held while a send is blocked) until the peer closes.</summary>
    private static async Task CopyEchoAsync(BypassSocket server)
    {
        byte[] buffer = new byte[4096];
        try
        {
            while (true)
            {
                int n = await server.ReceiveAsync(buffer.AsMemory());
                if (n == 0)
                {
                    return;
                }

                await server.SendAsync(buffer.AsMemory(0, n));
            }
        }
        catch (SocketException)
        {
            // The stalled peer was closed with data unread (a reset): that connection is over.
        }
    }

    private static async Task EchoRoundsAsync(Socket client, int seed, int rounds, int size)
    {
        byte[] back = new byte[size];
        for (int r = 0; r < rounds; r++)
        {
            byte[] payload = Faults.Stream(seed * 1000 + r, size);
            await client.SendAsync(payload, SocketFlags.None);
            int filled = 0;
            while (filled < size)
            {
                int n = await client.ReceiveAsync(back.AsMemory(filled), SocketFlags.None);
                Assert.NotEqual(0, n);
                filled += n;
            }

            Assert.Equal(payload, back);
        }
    }
}
