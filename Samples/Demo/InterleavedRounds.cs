using System.Text;

namespace BypassNet.Samples.Demo;

/// <summary>
/// How the benchmark measures: every server and its own load client are up at once, and one server at a time works,
/// in short slices that alternate round after round. Whatever else the machine is doing (builds, other benchmarks)
/// then falls on every server alike, and each round gives a like-for-like ratio.
/// </summary>
/// <remarks>An idle server sleeps in the kernel and adds nothing measurable to the one at work.</remarks>
internal static class InterleavedRounds
{
    /// <summary>Time for a resumed client to reach full speed before its slice is measured.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    /// <summary>Returns, per factory, one measurement per round.</summary>
    public static async Task<List<Measurement>[]> RunAsync(
        IReadOnlyList<ServerFactory> factories, LoadCase load, int rounds, TimeSpan warmup, TimeSpan slice, Action<string> progress)
    {
        var servers = new List<IServerUnderTest>();
        var clients = new List<LoadProcess>();
        try
        {
            foreach (ServerFactory factory in factories)
            {
                servers.Add(factory.Start());
                progress($"  started {factory.Name}{PhaseRunner.Banner(servers[^1])}");
            }

            foreach (IServerUnderTest server in servers)
            {
                LoadProcess client = LoadProcess.Start(server.EndPoint.Port, load);
                clients.Add(client);
                client.Pause();
            }

            progress($"  {load.Title}: warming up each server {warmup.TotalSeconds:0.#} s, then {rounds} rounds of {slice.TotalSeconds:0.#} s per server");
            for (int i = 0; i < servers.Count; i++)
            {
                clients[i].Resume();
                Thread.Sleep(warmup);
                clients[i].Pause();
            }

            var results = new List<Measurement>[servers.Count];
            for (int i = 0; i < results.Length; i++)
            {
                results[i] = [];
            }

            for (int round = 0; round < rounds; round++)
            {
                var line = new StringBuilder($"    round {round + 1,2}/{rounds}:");
                // Alternate the order so that no server always follows the same one.
                IEnumerable<int> order = round % 2 == 0 ? Enumerable.Range(0, servers.Count) : Enumerable.Range(0, servers.Count).Reverse();
                foreach (int i in order)
                {
                    clients[i].Resume();
                    Thread.Sleep(Settle);
                    Measurement m = MeasurementWindow.Measure(servers[i], clients[i], load, slice);
                    clients[i].Pause();
                    results[i].Add(m);
                    line.Append($"  {factories[i].Name} {m.RoundTripsPerSecond,9:N0}/s {m.CpuMicrosecondsPerRoundTrip,5:0.0} us/rt p99 {m.P99,6:0} us");
                }

                progress(line.ToString());
            }

            foreach (LoadProcess client in clients)
            {
                client.Resume();
                client.Stop();
            }

            return results;
        }
        finally
        {
            foreach (LoadProcess client in clients)
            {
                client.Dispose();
            }

            foreach (IServerUnderTest server in servers)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
