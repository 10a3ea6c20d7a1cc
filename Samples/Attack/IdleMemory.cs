using System.Globalization;
using System.Net;

namespace BypassNet.Samples.Attack;

/// <summary>
/// Memory per idle connection: opens connections to a server in steps and, at each step, once the server holds them
/// (its descriptor count in /proc/PID/fd says so) and has settled, reads its resident set (VmRSS in /proc/PID/status).
/// Each step prints the RSS growth since no connections over the number of connections.
/// </summary>
internal sealed class IdleMemory(IPEndPoint target, int serverPid, IReadOnlyList<int> steps, ProbeProtocol protocol)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    public async Task<int> RunAsync(CancellationToken cancel)
    {
        await using var connections = new AttackConnections();
        // One answered request first, so the server's first-use costs (JIT, pools) are in the baseline, not the delta.
        var warm = new Prober(target, protocol, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2), freshConnections: true);
        using (var warmStop = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
        {
            Console.WriteLine(await warm.RunAsync("warm-up probe", warmStop.Token).ConfigureAwait(false));
        }

        await Task.Delay(Settle, cancel).ConfigureAwait(false);
        int baseFds = Descriptors();
        long baseRss = RssKib();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"idle memory of pid {serverPid}: {baseRss / 1024.0:0.0} MiB RSS, {baseFds} descriptors with no connections"));
        int failed = 0;
        foreach (int step in steps)
        {
            await connections.OpenAsync(target, step - connections.Sockets.Count, 0, TimeSpan.FromSeconds(2), cancel).ConfigureAwait(false);
            failed = connections.Failed;
            int held = connections.Sockets.Count;
            long waitUntil = Environment.TickCount64 + 30_000;
            while (Descriptors() < baseFds + held && Environment.TickCount64 < waitUntil)
            {
                await Task.Delay(100, cancel).ConfigureAwait(false);
            }

            await Task.Delay(Settle, cancel).ConfigureAwait(false);
            int fds = Descriptors();
            long rss = RssKib();
            double perConnection = (rss - baseRss) / (double)held;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {held,6} idle connections ({failed} failed): server {fds - baseFds} more descriptors, RSS {rss / 1024.0:0.0} MiB, {perConnection:0.00} KiB per connection"));
        }

        return failed == 0 ? 0 : 1;
    }

    private int Descriptors() => Directory.GetFileSystemEntries($"/proc/{serverPid}/fd").Length;

    private long RssKib()
    {
        string line = File.ReadLines($"/proc/{serverPid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
