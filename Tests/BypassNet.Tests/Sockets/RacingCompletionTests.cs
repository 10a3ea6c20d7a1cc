using BypassNet.Tests.Support;

namespace BypassNet.Tests.Sockets;

/// <summary>
/// Drop-in receives and sends (caller memory, <c>ValueTask&lt;int&gt;</c>) that finish on another thread just as the call
/// returns. Each operation must be consumed exactly once: on the socket engine the ValueTask sits over an event args
/// object the socket reuses for its next call, so reading it twice fails or waits forever. Peers trickle a few bytes at
/// a time, so many calls start with nothing to read and finish right after. Threads that only spin keep the cores
/// oversubscribed, so the scheduler preempts callers at random points: that is what opens the window between a call's
/// return and its caller's first look at the result.
/// </summary>
public sealed class RacingCompletionTests
{
    private const int StreamLength = 50_000;
    private const int Pairs = 8;

    [Theory]
    [MemberData(nameof(TestEngines.Both), MemberType = typeof(TestEngines))]
    public async Task Small_receives_racing_a_trickling_peer_read_every_byte_once_in_order(EngineKind engine)
    {
        using BypassRuntime runtime = TestEngines.Create(engine);
        using BypassSocket listener = TestEngines.Listen(runtime);
        using var spinning = new CancellationTokenSource();
        Thread[] spinners = Enumerable.Range(0, 2 * Environment.ProcessorCount).Select(_ => new Thread(() =>
        {
            while (!spinning.IsCancellationRequested)
            {
                Thread.SpinWait(1000);
            }
        }) { IsBackground = true, Priority = ThreadPriority.BelowNormal }).ToArray();
        Array.ForEach(spinners, thread => thread.Start());
        var pairs = new Task<int>[Pairs];
        for (int p = 0; p < Pairs; p++)
        {
            (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
            int seed = p;
            pairs[p] = Task.Run(() => StreamAsync(client, server, seed));
        }

        int[] received;
        try
        {
            received = await Task.WhenAll(pairs).WaitAsync(TimeSpan.FromSeconds(120));
        }
        finally
        {
            spinning.Cancel();
            Array.ForEach(spinners, thread => thread.Join());
        }

        Assert.All(received, count => Assert.Equal(StreamLength, count));
    }

    /// <summary>Streams the pattern from client to server in tiny pieces; returns how many bytes arrived intact.</summary>
    private static async Task<int> StreamAsync(BypassSocket client, BypassSocket server, int seed)
    {
        await using (client)
        await using (server)
        {
            Task writing = Task.Run(async () =>
            {
                byte[] chunk = new byte[7];
                var random = new Random(17 + seed);
                int position = 0;
                while (position < StreamLength)
                {
                    int length = Math.Min(random.Next(1, chunk.Length + 1), StreamLength - position);
                    for (int i = 0; i < length; i++)
                    {
                        chunk[i] = Pattern(position + i);
                    }

                    Assert.Equal(length, await client.SendAsync(chunk.AsMemory(0, length)));
                    position += length;
                }

                client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            });

            byte[] into = new byte[5];
            var sizes = new Random(29 + seed);
            int received = 0;
            while (true)
            {
                int got = await server.ReceiveAsync(into.AsMemory(0, sizes.Next(1, into.Length + 1))).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
                if (got == 0)
                {
                    break;
                }

                for (int i = 0; i < got; i++)
                {
                    Assert.Equal(Pattern(received + i), into[i]);
                }

                received += got;
            }

            await writing.WaitAsync(TimeSpan.FromSeconds(60));
            return received;
        }
    }

    private static byte Pattern(int position) => (byte)((position * 31) ^ (position >> 8));
}
