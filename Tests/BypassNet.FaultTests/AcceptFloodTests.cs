using System.Net.Sockets;
using BypassNet.FaultTests.Support;

namespace BypassNet.FaultTests;

/// <summary>Many connections arrive while nobody accepts; then they are all accepted.</summary>
public sealed class AcceptFloodTests
{
    [Theory]
    [MemberData(nameof(Faults.Both), MemberType = typeof(Faults))]
    public async Task A_flood_nobody_accepts_is_held_and_then_accepted_in_full(EngineKind engine)
    {
        const int flood = 2000;
        using BypassRuntime runtime = Faults.Create(engine);
        using BypassSocket listener = Faults.Listen(runtime, backlog: 4096);
        // One accept starts the engine's accept machinery (io_uring: a multishot accept that queues up to 1,024).
        (BypassSocket first, BypassSocket firstServer) = await Faults.ConnectPairAsync(runtime, listener);

        var clients = new BypassSocket[flood];
        await Task.WhenAll(Enumerable.Range(0, flood).Select(i => Task.Run(async () =>
        {
            BypassSocket client = Faults.NewSocket(runtime);
            await client.ConnectAsync(listener.LocalEndPoint!);
            await Faults.SendOwnedAsync(client, BitConverter.GetBytes(i));
            if (i % 10 == 0)
            {
                // Some give up and reset before anyone accepts them.
                client.Close(0);
            }

            clients[i] = client;
        }))).WaitAsync(Faults.Guard);

        // Now accept them all: each accepted connection is one of the flood, none twice, none lost.
        var seen = new HashSet<int>();
        int reset = 0;
        for (int n = 0; n < flood; n++)
        {
            await using BypassSocket accepted = await listener.AcceptAsync().WaitAsync(Faults.Guard);
            try
            {
                byte[] id = await Faults.ReceiveExactlyAsync(accepted, 4).WaitAsync(Faults.Guard);
                int i = BitConverter.ToInt32(id);
                Assert.True(seen.Add(i), $"connection {i} accepted twice");
                if (i % 10 != 0)
                {
                    continue;
                }
            }
            catch (Exception ex) when (ex is SocketException or EndOfStreamException)
            {
                // A reset connection may lose its 4 bytes with the reset.
            }

            reset++;
        }

        Assert.Equal(flood / 10, reset);
        Assert.Equal(flood - (flood / 10), seen.Count(i => i % 10 != 0));
        // Nothing more is waiting: a further accept pends until canceled.
        using (var cts = new CancellationTokenSource())
        {
            ValueTask<BypassSocket> extra = listener.AcceptAsync(cts.Token);
            await Task.Yield();
            Assert.False(extra.IsCompleted);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await extra);
        }

        Assert.Equal(flood + 1, runtime.GetStatistics().Accepts);
        foreach (BypassSocket client in clients)
        {
            await client.DisposeAsync();
        }

        await first.DisposeAsync();
        await firstServer.DisposeAsync();
        await Faults.AssertEverythingHomeAsync(runtime);
    }
}
