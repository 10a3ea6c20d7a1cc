using System.Net.Sockets;
using BypassNet.FaultTests.Support;

namespace BypassNet.FaultTests;

/// <summary>Disposing a listener, or a whole runtime (its rings), while operations are in flight.</summary>
public sealed class DisposeUnderLoadTests
{
    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task Disposing_a_listener_fails_its_pending_accept_and_closes_connections_nobody_took(EngineKind engine)
    {
        using BypassRuntime runtime = Faults.Create(engine);
        BypassSocket listener = Faults.Listen(runtime);
        var endPoint = listener.LocalEndPoint!;
        // One accepted connection starts the accept machinery; then 50 connect that nobody accepts.
        (BypassSocket first, BypassSocket firstServer) = await Faults.ConnectPairAsync(runtime, listener);
        var waiting = new List<BypassSocket>();
        for (int i = 0; i < 50; i++)
        {
            BypassSocket client = Faults.NewSocket(runtime);
            await client.ConnectAsync(endPoint).WaitAsync(Faults.Guard);
            waiting.Add(client);
        }

        // Let the io_uring engine take some of them into its own queue; either way they are not accepted by anyone.
        Task<BypassSocket> pending = Task.Run(async () =>
        {
            for (int i = 0; i < 50; i++)
            {
                (await listener.AcceptAsync()).Dispose();
            }

            return await listener.AcceptAsync();
        });
        await Faults.WaitUntilAsync(() => runtime.GetStatistics().Accepts >= 51 || pending.IsCompleted);
        await listener.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(Faults.Guard));

        // Every client sees its connection end (EOF or reset), none hangs.
        foreach (BypassSocket client in waiting)
        {
            try
            {
                using OwnedBuffer end = await client.ReceiveAsync().AsTask().WaitAsync(Faults.Guard);
                Assert.Equal(0, end.Length);
            }
            catch (SocketException ex)
            {
                Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
            }

            await client.DisposeAsync();
        }

        // New connections are refused; the runtime and the connection accepted earlier are unaffected.
        await using (BypassSocket late = Faults.NewSocket(runtime))
        {
            SocketException refused = await Assert.ThrowsAsync<SocketException>(() => late.ConnectAsync(endPoint).WaitAsync(Faults.Guard));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }

        await Faults.SendOwnedAsync(first, new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 1, 2, 3 }, await Faults.ReceiveExactlyAsync(firstServer, 3));
        await first.DisposeAsync();
        await firstServer.DisposeAsync();
        await Faults.AssertEverythingHomeAsync(runtime);
    }

    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task Disposing_the_runtime_completes_every_pending_operation_and_keeps_leased_memory(EngineKind engine)
    {
        // The peers live in a second runtime that stays up, so every failure below is caused by the dispose alone.
        using BypassRuntime peers = Faults.Create(engine, o => o.SendBufferCount = 256);
        using BypassSocket peerListener = Faults.Listen(peers);
        BypassRuntime runtime = Faults.Create(engine, o => o.SendBufferCount = 256);
        BypassSocket listener = Faults.Listen(runtime);
        var sockets = new List<BypassSocket>();
        var peerSockets = new List<BypassSocket>();
        for (int i = 0; i < 40; i++)
        {
            BypassSocket socket = Faults.NewSocket(runtime);
            Task<BypassSocket> accept = peerListener.AcceptAsync();
            await socket.ConnectAsync(peerListener.LocalEndPoint!).WaitAsync(Faults.Guard);
            sockets.Add(socket);
            peerSockets.Add(await accept.WaitAsync(Faults.Guard));
        }

        // A received buffer and a rented buffer, held by the application across the runtime's dispose.
        await Faults.SendOwnedAsync(peerSockets[0], Faults.Stream(7, 1000));
        OwnedBuffer held = await sockets[0].ReceiveAsync();
        byte[] heldCopy = held.Span.ToArray();
        OwnedBuffer rented = runtime.Buffers.Rent();
        rented.Span.Fill(0x42);

        var operations = new List<Task>();
        foreach (BypassSocket socket in sockets.Skip(1).Take(10))
        {
            // Pending receives, owned and drop-in: the peers never send.
            operations.Add(socket.ReceiveAsync().AsTask());
        }

        foreach (BypassSocket socket in sockets.Skip(11).Take(10))
        {
            operations.Add(socket.ReceiveAsync(new byte[64].AsMemory(), SocketFlags.None).AsTask());
        }

        foreach ((BypassSocket socket, BypassSocket peer) in sockets.Zip(peerSockets).Skip(21))
        {
            // Sends to peers that never read: they block in the kernel when the runtime goes.
            peer.ReceiveBufferSize = 4096;
            operations.Add(Task.Run(async () =>
            {
                while (true)
                {
                    OwnedBuffer buffer = await runtime.Buffers.RentAsync();
                    await socket.SendAsync(buffer);
                }
            }));
        }

        operations.Add(listener.AcceptAsync());
        await Faults.WaitUntilAsync(() => runtime.GetStatistics().BytesSent > 1_000_000, "sends under way");
        await Task.Delay(100);
        runtime.Dispose();

        foreach (Task operation in operations)
        {
            Exception error = await Assert.ThrowsAnyAsync<Exception>(() => operation.WaitAsync(Faults.Guard));
            Assert.True(error is ObjectDisposedException or OperationCanceledException, $"{engine}: an operation ended with {error.GetType().Name}: {error.Message}");
        }

        // New work is refused, not hung.
        Assert.Throws<ObjectDisposedException>(() => Faults.NewSocket(runtime));
        Assert.ThrowsAny<ObjectDisposedException>(() => sockets[1].ReceiveAsync().AsTask().GetAwaiter().GetResult());

        // Memory the application still leases outlives the runtime, intact.
        Assert.Equal(heldCopy, held.Span.ToArray());
        Assert.All(rented.Span.ToArray(), b => Assert.Equal(0x42, b));
        held.Dispose();
        rented.Dispose();
        Assert.Equal(runtime.Buffers.Count, runtime.Buffers.Available);

        // The peers see their connections end (System.Net.Sockets closes a socket with pending operations abortively,
        // so a reset is as good as end of stream), and their own runtime is unaffected.
        foreach (BypassSocket peer in peerSockets.Skip(1).Take(20))
        {
            try
            {
                using OwnedBuffer end = await peer.ReceiveAsync().AsTask().WaitAsync(Faults.Guard);
                Assert.Equal(0, end.Length);
            }
            catch (SocketException ex)
            {
                Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
            }
        }

        foreach (BypassSocket socket in sockets)
        {
            await socket.DisposeAsync().AsTask().WaitAsync(Faults.Guard);
        }

        await listener.DisposeAsync().AsTask().WaitAsync(Faults.Guard);
        foreach (BypassSocket peer in peerSockets)
        {
            await peer.DisposeAsync();
        }

        await Faults.AssertEverythingHomeAsync(peers);
    }
}
