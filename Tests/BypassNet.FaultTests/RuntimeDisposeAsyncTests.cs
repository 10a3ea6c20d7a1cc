using BypassNet.Engines.Uring;
using BypassNet.FaultTests.Support;

namespace BypassNet.FaultTests;

/// <summary><see cref="BypassRuntime.DisposeAsync"/>: sockets close first, then every ring drains (all at once); nothing waits forever.</summary>
public sealed class RuntimeDisposeAsyncTests
{
    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task Disposing_a_runtime_asynchronously_fails_pending_receives_and_stops_every_ring(EngineKind engine)
    {
        BypassRuntime runtime = Faults.Create(engine, o => o.RingCount = 4);
        IoUringSocketEngine? io = runtime.EngineImpl as IoUringSocketEngine;
        using BypassSocket listener = Faults.Listen(runtime);
        var pairs = new List<(BypassSocket Client, BypassSocket Server)>();
        for (int i = 0; i < 8; i++)
        {
            pairs.Add(await Faults.ConnectPairAsync(runtime, listener));
        }

        // A receive pending on every ring.
        List<Task<OwnedBuffer>> receives = pairs.Select(p => p.Server.ReceiveAsync().AsTask()).ToList();
        await runtime.DisposeAsync().AsTask().WaitAsync(Faults.Guard);
        foreach (Task<OwnedBuffer> receive in receives)
        {
            // Each ends: with the close's exception, or (socket engine, when the peer's close is seen first) end of stream.
            try
            {
                using OwnedBuffer received = await receive.WaitAsync(Faults.Guard);
                Assert.Equal(0, received.Length);
            }
            catch (Exception error) when (error is ObjectDisposedException or OperationCanceledException)
            {
            }
        }

        if (io is not null)
        {
            Assert.All(io.Rings, ring => Assert.True(ring.Loop.IsStopped));
        }

        // A second dispose, of either kind, is a no-op.
        await runtime.DisposeAsync();
        runtime.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Faults.NewSocket(runtime));
        foreach ((BypassSocket client, BypassSocket server) in pairs)
        {
            client.Dispose();
            server.Dispose();
        }
    }
}
