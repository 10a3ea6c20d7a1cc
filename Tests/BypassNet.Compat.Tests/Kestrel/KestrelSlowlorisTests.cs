using System.Net;
using System.Net.Sockets;
using System.Text;
using BypassNet.Compat.Tests.Support;

namespace BypassNet.Compat.Tests.Kestrel;

/// <summary>
/// Slowloris against the Kestrel face: 1,000 connections trickle request headers one byte at a time (every 100 ms to
/// 1 s) while HttpClient keeps making requests. Kestrel examines those bytes without consuming them; the transport
/// must keep their bytes, not a ring slot per byte, so the healthy requests never starve.
/// </summary>
public sealed class KestrelSlowlorisTests
{
    private const int Attackers = 1_000;
    private const int Ticks = 30; // 100 ms each: about 3 s of trickling
    private static readonly byte[] Preamble = Encoding.ASCII.GetBytes("GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ");

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task A_thousand_slowloris_connections_leave_healthy_requests_served_and_every_slot_comes_home(EngineKind engine)
    {
        var host = KestrelHost.On(engine);
        await host.InitializeAsync();
        var attackers = new List<Socket>(Attackers);
        try
        {
            var target = new IPEndPoint(IPAddress.Loopback, host.BaseAddress.Port);
            for (int batch = 0; batch < Attackers; batch += 100)
            {
                // In batches, so the listen backlog never overflows into SYN retries.
                Socket[] sockets = await Task.WhenAll(Enumerable.Range(0, 100).Select(async _ =>
                {
                    var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    await s.ConnectAsync(target).WaitAsync(Deadline.Hang);
                    await s.SendAsync(Preamble, SocketFlags.None);
                    return s;
                }));
                attackers.AddRange(sockets);
            }

            using var cts = new CancellationTokenSource();
            using HttpClient keepAlive = host.CreateClient();
            using HttpClient fresh = host.CreateClient();
            var healthy = new[]
            {
                HealthyLoopAsync(keepAlive, closeEachTime: false, cts.Token),
                HealthyLoopAsync(keepAlive, closeEachTime: false, cts.Token),
                HealthyLoopAsync(fresh, closeEachTime: true, cts.Token),
            };

            int minAvailable = int.MaxValue;
            for (int tick = 0; tick < Ticks; tick++)
            {
                for (int i = 0; i < attackers.Count; i++)
                {
                    // Connection i sends a byte every (i % 10 + 1) ticks: 100 ms to 1 s per byte.
                    if (tick % (i % 10 + 1) == 0)
                    {
                        attackers[i].Send("a"u8);
                    }
                }

                await Task.Delay(100);
                minAvailable = Math.Min(minAvailable, ReceiveSlots.Of(host.Runtime).Available);
                Assert.False(healthy.Any(t => t.IsFaulted), "a healthy request failed during the attack");
            }

            await cts.CancelAsync();
            int[] served = await Task.WhenAll(healthy).WaitAsync(Deadline.Hang);
            Assert.All(served, n => Assert.True(n > 0, "every healthy client was served during the attack"));

            // A thousand connections each holding a slot per trickled byte would have emptied the ring many times over.
            (_, int count) = ReceiveSlots.Of(host.Runtime);
            Assert.True(minAvailable >= count / 2, $"the attackers pinned receive slots: {count - minAvailable} of {count} held at worst");

            // Still connected and still undecided: Kestrel has no complete request from any attacker.
            Assert.Equal("Hello, World!", await keepAlive.GetStringAsync("/hello").WaitAsync(Deadline.Hang));
        }
        finally
        {
            foreach (Socket s in attackers)
            {
                s.Dispose();
            }

            try
            {
                await ReceiveSlots.AssertAllHomeAsync(host.Runtime);
            }
            finally
            {
                await host.DisposeAsync();
            }
        }
    }

    /// <summary>GETs until cancelled; every request must succeed. Returns how many were served.</summary>
    private static async Task<int> HealthyLoopAsync(HttpClient client, bool closeEachTime, CancellationToken stop)
    {
        int served = 0;
        while (!stop.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/hello");
            request.Headers.ConnectionClose = closeEachTime;
            using HttpResponseMessage response = await client.SendAsync(request).WaitAsync(Deadline.Hang);
            response.EnsureSuccessStatusCode();
            Assert.Equal("Hello, World!", await response.Content.ReadAsStringAsync());
            served++;
        }

        return served;
    }
}
