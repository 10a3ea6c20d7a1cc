using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using BypassNet.Tests.Support;

namespace BypassNet.Tests.Sockets;

/// <summary>Loopback behaviour every engine must share. Each test runs on io_uring and on the socket engine.</summary>
public sealed class SocketBehaviourTests
{
    [Theory]
    [MemberData(nameof(TestEngines.Both), MemberType = typeof(TestEngines))]
    public async Task Random_payloads_from_1_byte_to_4_MiB_echo_intact(EngineKind engine)
    {
        using BypassRuntime runtime = TestEngines.Create(engine);
        using BypassSocket listener = TestEngines.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            Task echo = EchoUntilClosedAsync(server);
            foreach (int size in new[] { 1, 2, 63, 4095, 4096, 4097, 65_536, 1 << 20, 4 << 20 })
            {
                byte[] payload = RandomNumberGenerator.GetBytes(size);
                Task<byte[]> reading = TestEngines.ReceiveExactlyAsync(client, size);
                // Drop-in send from caller memory for big payloads, owned sends for small ones: both paths.
                if (size > 100_000)
                {
                    Assert.Equal(size, await client.SendAsync(payload.AsMemory(), SocketFlags.None));
                }
                else
                {
                    await SendOwnedAsync(runtime, client, payload);
                }

                Assert.Equal(payload, await reading.WaitAsync(TimeSpan.FromSeconds(60)));
            }

            client.Shutdown(SocketShutdown.Send);
            await echo.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Both), MemberType = typeof(TestEngines))]
    public async Task One_thousand_concurrent_connections_each_echo(EngineKind engine)
    {
        using BypassRuntime runtime = TestEngines.Create(engine, o => o.ReceiveBuffersPerRing = 1024);
        using BypassSocket listener = TestEngines.Listen(runtime, backlog: 2048);
        const int connections = 1000;
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
                            await EchoUntilClosedAsync(accepted);
                        }
                    }));
                }
            }
        });

        var clients = Enumerable.Range(0, connections).Select(async i =>
        {
            await using var client = new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(listener.LocalEndPoint!);
            byte[] payload = BitConverter.GetBytes(i).Concat(RandomNumberGenerator.GetBytes(28)).ToArray();
            await client.SendAsync(payload.AsMemory(), SocketFlags.None);
            byte[] echoed = new byte[payload.Length];
            int filled = 0;
            while (filled < echoed.Length)
            {
                int n = await client.ReceiveAsync(echoed.AsMemory(filled), SocketFlags.None);
                Assert.NotEqual(0, n);
                filled += n;
            }

            Assert.Equal(payload, echoed);
            client.Shutdown(SocketShutdown.Send);
            Assert.Equal(0, await client.ReceiveAsync(new byte[1].AsMemory(), SocketFlags.None));
        }).ToArray();

        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(120));
        await acceptLoop.WaitAsync(TimeSpan.FromSeconds(30));
        Task[] serverTasks;
        lock (servers)
        {
            serverTasks = servers.ToArray();
        }

        await Task.WhenAll(serverTasks).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(connections, serverTasks.Length);
    }

    [Theory]
    [MemberData(nameof(TestEngines.Both), MemberType = typeof(TestEngines))]
    public async Task Half_close_lets_the_other_direction_finish(EngineKind engine)
    {
        using BypassRuntime runtime = TestEngines.Create(engine);
        using BypassSocket listener = TestEngines.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            await SendOwnedAsync(runtime, client, new byte[] { 1, 2, 3 });
            client.Shutdown(SocketShutdown.Send);
            Assert.Equal(new byte[] { 1, 2, 3 }, await TestEngines.ReceiveExactlyAsync(server, 3));
            using (OwnedBuffer end = await server.ReceiveAsync())
            {
                Assert.Equal(0, end.Length);
            }

            // The server's sending side is still open after the client's FIN.
            byte[] reply = RandomNumberGenerator.GetBytes(200_000);
            Task<byte[]> reading = TestEngines.ReceiveExactlyAsync(client, reply.Length);
            Assert.Equal(reply.Length, await server.SendAsync(reply.AsMemory(), SocketFlags.None));
            server.Shutdown(SocketShutdown.Send);
            Assert.Equal(reply, await reading.WaitAsync(TimeSpan.FromSeconds(30)));
            using OwnedBuffer clientEnd = await client.ReceiveAsync();
            Assert.Equal(0, clientEnd.Length);
            // End of stream is sticky, as with Socket.
            Assert.Equal(0, await client.ReceiveAsync(new byte[4].AsMemory(), SocketFlags.None));
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Both), MemberType = typeof(TestEngines))]
    public async Task Peer_reset_mid_send_fails_that_connection_only(EngineKind engine)
    {
        using BypassRuntime runtime = TestEngines.Create(engine);
        using BypassSocket listener = TestEngines.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
        await using (server)
        {
            // The client never reads, then resets: the server's sends must end in a SocketException, not hang or crash.
            client.LingerState = new LingerOption(true, 0);
            byte[] chunk = new byte[256 * 1024];
            Task sending = Task.Run(async () =>
            {
                while (true)
                {
                    await server.SendAsync(chunk.AsMemory(), SocketFlags.None);
                }
            });
            await WaitUntilAsync(() => server.Runtime.GetStatistics().BytesSent > 0 || sending.IsCompleted);
            client.Dispose();
            SocketException error = await Assert.ThrowsAsync<SocketException>(() => sending.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(error.SocketErrorCode, new[] { SocketError.ConnectionReset, SocketError.Shutdown, SocketError.ConnectionAborted });
            // A receive on the reset connection fails the same way (or sees the end), it does not hang.
            try
            {
                using OwnedBuffer after = await server.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(0, after.Length);
            }
            catch (SocketException ex)
            {
                Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
            }
        }

        // The listener and runtime are unaffected.
        (BypassSocket c2, BypassSocket s2) = await TestEngines.ConnectPairAsync(runtime, listener);
        await using (c2)
        await using (s2)
        {
            await SendOwnedAsync(runtime, c2, new byte[] { 42 });
            Assert.Equal(new byte[] { 42 }, await TestEngines.ReceiveExactlyAsync(s2, 1));
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Both), MemberType = typeof(TestEngines))]
    public async Task Slow_consumers_exhausting_the_receive_ring_lose_nothing(EngineKind engine)
    {
        // 8 receive slots for 4 connections that each send far more than 8 slots' worth while the server holds buffers.
        using BypassRuntime runtime = TestEngines.Create(engine, o =>
        {
            o.RingCount = 1;
            o.ReceiveBuffersPerRing = 8;
            o.ReceiveBufferSize = 4096;
        });
        using BypassSocket listener = TestEngines.Listen(runtime);
        const int connections = 4;
        const int bytesPerConnection = 512 * 1024;
        var pairs = new List<(BypassSocket Client, BypassSocket Server, byte[] Payload)>();
        for (int i = 0; i < connections; i++)
        {
            (BypassSocket c, BypassSocket s) = await TestEngines.ConnectPairAsync(runtime, listener);
            pairs.Add((c, s, RandomNumberGenerator.GetBytes(bytesPerConnection)));
        }

        Task[] senders = pairs.Select(p => p.Client.SendAsync(p.Payload.AsMemory(), SocketFlags.None).AsTask()).ToArray();
        Task<byte[]>[] readers = pairs.Select(p => Task.Run(async () =>
        {
            var received = new MemoryStream();
            while (received.Length < bytesPerConnection)
            {
                using OwnedBuffer buffer = await p.Server.ReceiveAsync();
                Assert.NotEqual(0, buffer.Length);
                received.Write(buffer.Span);
                // A slow consumer: while it dawdles, its queued chunks keep ring slots the other connections want.
                await Task.Delay(1);
            }

            return received.ToArray();
        })).ToArray();

        byte[][] results = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(120));
        await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(30));
        for (int i = 0; i < connections; i++)
        {
            Assert.Equal(pairs[i].Payload, results[i]);
        }

        if (runtime.Engine == EngineKind.IoUring)
        {
            // The ring really ran dry and receives were re-armed, yet every byte arrived in order.
            Assert.True(runtime.GetStatistics().BufferStarvations > 0, "the ring never ran out of buffers; the test proved nothing");
        }

        foreach ((BypassSocket c, BypassSocket s, _) in pairs)
        {
            await c.DisposeAsync();
            await s.DisposeAsync();
        }
    }

#pragma warning disable BYP001, BYP003, BYP004 // Deliberate misuse: these tests prove the run-time checks (ObjectDisposedException, cancellation) that back the analyzers.
    [Theory]
    [MemberData(nameof(TestEngines.Both), MemberType = typeof(TestEngines))]
    public async Task Canceling_a_pending_receive_loses_no_data(EngineKind engine)
    {
        using BypassRuntime runtime = TestEngines.Create(engine);
        using BypassSocket listener = TestEngines.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            using (var cts = new CancellationTokenSource())
            {
                ValueTask<OwnedBuffer> pending = server.ReceiveAsync(cts.Token);
                Assert.False(pending.IsCompleted);
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);
            }

            using (var cts = new CancellationTokenSource())
            {
                ValueTask<int> pending = server.ReceiveAsync(new byte[16].AsMemory(), SocketFlags.None, cts.Token);
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);
            }

            await SendOwnedAsync(runtime, client, new byte[] { 9, 8, 7 });
            Assert.Equal(new byte[] { 9, 8, 7 }, await TestEngines.ReceiveExactlyAsync(server, 3));
        }
    }
#pragma warning restore BYP001, BYP003, BYP004

    [Theory]
    [MemberData(nameof(TestEngines.Both), MemberType = typeof(TestEngines))]
    public async Task Canceling_a_send_blocked_on_a_full_peer_completes_it_with_cancellation(EngineKind engine)
    {
        using BypassRuntime runtime = TestEngines.Create(engine);
        using BypassSocket listener = TestEngines.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            using var cts = new CancellationTokenSource();
            Task<int> blocked = await FillUntilASendBlocksAsync(runtime, server, cts.Token);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        // Every send buffer came back to the pool once the kernel let go of it.
        await WaitUntilAsync(() => runtime.Buffers.Available == runtime.Buffers.Count);
    }

#pragma warning disable BYP001, BYP003, BYP004 // Deliberate misuse: these tests prove the run-time checks (ObjectDisposedException, cancellation) that back the analyzers.
    [Theory]
    [MemberData(nameof(TestEngines.Both), MemberType = typeof(TestEngines))]
    public async Task Disposing_with_operations_in_flight_fails_them_with_ObjectDisposedException(EngineKind engine)
    {
        using BypassRuntime runtime = TestEngines.Create(engine);
        BypassSocket listener = TestEngines.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);

        // The server never sends and never reads: the client's receive and its last send both stay pending.
        ValueTask<OwnedBuffer> receive = client.ReceiveAsync();
        Task<int> send = await FillUntilASendBlocksAsync(runtime, client, CancellationToken.None);
        Task<BypassSocket> accept = listener.AcceptAsync();

        await client.DisposeAsync();
        await listener.DisposeAsync();
        await server.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await receive);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => send.WaitAsync(TimeSpan.FromSeconds(30)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => accept.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Throws<ObjectDisposedException>(() => client.ReceiveAsync());
        await WaitUntilAsync(() => runtime.Buffers.Available == runtime.Buffers.Count);
    }
#pragma warning restore BYP001, BYP003, BYP004

    [Theory]
    [MemberData(nameof(TestEngines.Both), MemberType = typeof(TestEngines))]
    public async Task Disposing_the_runtime_fails_everything_pending_and_closes_its_sockets(EngineKind engine)
    {
        BypassRuntime runtime = TestEngines.Create(engine);
        BypassSocket listener = TestEngines.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
        ValueTask<OwnedBuffer> receive = client.ReceiveAsync();
        Task<int> send = await FillUntilASendBlocksAsync(runtime, client, CancellationToken.None);
        Task<BypassSocket> accept = listener.AcceptAsync();
        OwnedBuffer held = runtime.Buffers.Rent();

        runtime.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => receive.AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => send.WaitAsync(TimeSpan.FromSeconds(30)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => accept.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.ThrowsAny<ObjectDisposedException>(() => server.ReceiveAsync().AsTask().GetAwaiter().GetResult());
        Assert.ThrowsAny<ObjectDisposedException>(() => new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        // A buffer the application still holds stays valid memory until it is returned.
        held.Span.Fill(1);
        held.Dispose();
        client.Dispose();
        server.Dispose();
        listener.Dispose();
    }

#pragma warning disable BYP001, BYP003, BYP004 // Deliberate misuse: these tests prove the run-time checks (ObjectDisposedException, cancellation) that back the analyzers.
    [Theory]
    [MemberData(nameof(TestEngines.Both), MemberType = typeof(TestEngines))]
    public async Task A_buffer_handed_to_SendAsync_is_dead_to_its_former_owner(EngineKind engine)
    {
        using BypassRuntime runtime = TestEngines.Create(engine);
        using BypassSocket listener = TestEngines.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            OwnedBuffer buffer = runtime.Buffers.Rent();
            buffer.Length = 5;
            Memory<byte> view = buffer.Memory;
            Assert.Equal(5, await client.SendAsync(buffer));
            Assert.Throws<ObjectDisposedException>(() => buffer.Span.Length);
            Assert.Throws<ObjectDisposedException>(() => view.Span.Length);
            // Handing it off twice fails loudly instead of sending someone else's bytes.
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await client.SendAsync(buffer));

            using OwnedBuffer received = await server.ReceiveAsync();
            Memory<byte> receivedView = received.Memory;
            received.Dispose();
            Assert.Throws<ObjectDisposedException>(() => receivedView.Span.Length);
        }
    }
#pragma warning restore BYP001, BYP003, BYP004

    [Theory]
    [MemberData(nameof(TestEngines.Both), MemberType = typeof(TestEngines))]
    public async Task Drop_in_surface_reports_endpoints_and_errors_like_Socket(EngineKind engine)
    {
        using BypassRuntime runtime = TestEngines.Create(engine);
        using BypassSocket listener = TestEngines.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            Assert.True(client.Connected);
            Assert.True(server.Connected);
            Assert.Equal(listener.LocalEndPoint, client.RemoteEndPoint);
            Assert.Equal(client.LocalEndPoint, server.RemoteEndPoint);
            client.NoDelay = true;
            Assert.True(client.NoDelay);
            await client.SendAsync(new byte[] { 1, 2, 3, 4 }.AsMemory(), SocketFlags.None);
            await WaitUntilAsync(() => server.Available >= 4);
            byte[] peeked = new byte[4];
            Assert.Equal(4, await server.ReceiveAsync(peeked.AsMemory(), SocketFlags.Peek));
            byte[] read = new byte[4];
            Assert.Equal(4, await server.ReceiveAsync(read.AsMemory(), SocketFlags.None));
            Assert.Equal(peeked, read);
        }

        // Connecting to a closed port fails with ConnectionRefused, as Socket does.
        var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint closed = probe.LocalEndPoint!;
        probe.Dispose();
        await using var refused = new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SocketException error = await Assert.ThrowsAsync<SocketException>(() => refused.ConnectAsync(closed));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
        Assert.Throws<NotSupportedException>(() => new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
    }

    internal static async Task SendOwnedAsync(BypassRuntime runtime, BypassSocket socket, ReadOnlyMemory<byte> payload)
    {
        int sent = 0;
        while (sent < payload.Length)
        {
            OwnedBuffer buffer = await runtime.Buffers.RentAsync();
            int n = Math.Min(buffer.Capacity, payload.Length - sent);
            payload.Span.Slice(sent, n).CopyTo(buffer.Span);
            buffer.Length = n;
            await socket.SendAsync(buffer);
            sent += n;
        }
    }

    internal static async Task EchoUntilClosedAsync(BypassSocket socket)
    {
        while (true)
        {
            OwnedBuffer received = await socket.ReceiveAsync();
            if (received.Length == 0)
            {
                received.Dispose();
                socket.Shutdown(SocketShutdown.Send);
                return;
            }

            await socket.SendAsync(received);
        }
    }

    /// <summary>Sends owned buffers to a peer that never reads until one send stays pending; returns that send.</summary>
    /// <summary>Sends owned buffers (of <paramref name="length"/> bytes when given) until the full peer holds one back; returns that send.</summary>
    internal static async Task<Task<int>> FillUntilASendBlocksAsync(BypassRuntime runtime, BypassSocket socket, CancellationToken cancellationToken, int? length = null)
    {
        for (int i = 0; i < 10_000; i++)
        {
            OwnedBuffer buffer = await runtime.Buffers.RentAsync();
            if (length is { } bytes)
            {
                buffer.Length = bytes;
            }

            Task<int> send = socket.SendAsync(buffer, cancellationToken).AsTask();
            // Finding the blocked send takes a moment; whether the test passes does not depend on it.
            if (await Task.WhenAny(send, Task.Delay(200)) != send)
            {
                return send;
            }

            await send;
        }

        throw new InvalidOperationException("No send ever blocked; the peer's buffers never filled.");
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 30 s");
            await Task.Delay(10);
        }
    }
}
