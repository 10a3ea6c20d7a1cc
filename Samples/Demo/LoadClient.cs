using System.Diagnostics;
using System.Net;

namespace BypassNet.Samples.Demo;

/// <summary>
/// The load generator, run as a separate process (<c>Demo --load</c>) so that its CPU time, system calls and
/// allocations never count as the server's. It talks to the parent over stdin/stdout, one line at a time:
/// it prints <c>ready</c> once every connection is up; <c>mark</c> answers <c>count ROUNDTRIPS TIMESTAMP</c>
/// (a Stopwatch timestamp: CLOCK_MONOTONIC, comparable across processes) <c>P50 P99</c> (round-trip percentiles in
/// microseconds over the round trips since the previous mark); <c>stop</c> (or end of stdin) closes every
/// connection in order and answers <c>done ROUNDTRIPS</c>; <c>pause</c> and <c>resume</c> hold the connections after
/// their current exchange and let them go again (answered <c>paused</c> and <c>resumed</c>).
/// </summary>
internal static class LoadClient
{
    public static async Task<int> RunAsync(int port, int connections, int messageSize)
    {
        var server = new IPEndPoint(IPAddress.Loopback, port);
        var clients = new LoadConnection[connections];
        try
        {
            for (int i = 0; i < connections; i++)
            {
                clients[i] = await LoadConnection.ConnectAsync(server, messageSize, seed: i).ConfigureAwait(false);
            }

            var latencies = new LatencySinceMark(clients);
            var gate = new LoadGate();
            Task[] loops = Array.ConvertAll(clients, client => Task.Run(() => client.RunAsync(gate)));
            Console.WriteLine("ready");
            Task failed = Task.WhenAny(loops).Unwrap();
            string? command;
            while ((command = await ReadCommandAsync(failed).ConfigureAwait(false)) is not null && command != "stop")
            {
                switch (command)
                {
                    case "mark":
                        long count = Sum(clients);
                        long timestamp = Stopwatch.GetTimestamp();
                        (double p50, double p99) = latencies.Mark();
                        Console.WriteLine(FormattableString.Invariant($"count {count} {timestamp} {p50:0.0} {p99:0.0}"));
                        break;
                    case "pause":
                        gate.Pause();
                        Console.WriteLine("paused");
                        break;
                    case "resume":
                        gate.Resume();
                        Console.WriteLine("resumed");
                        break;
                }
            }

            gate.Stop();
            await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            Console.WriteLine($"done {Sum(clients)}");
            return 0;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"load client: {ex.GetType().Name}: {ex.Message}");
            Console.WriteLine("failed");
            return 1;
        }
        finally
        {
            foreach (LoadConnection? client in clients)
            {
                client?.Dispose();
            }
        }
    }

    private static async Task<string?> ReadCommandAsync(Task failed)
    {
        Task<string?> read = Task.Run(Console.In.ReadLine);
        if (await Task.WhenAny(read, failed).ConfigureAwait(false) == failed)
        {
            // A connection broke (the server reset it, or echoed wrong bytes): report it rather than hang.
            await failed.ConfigureAwait(false);
            throw new InvalidOperationException("A load connection ended early.");
        }

        return await read.ConfigureAwait(false);
    }

    private static long Sum(LoadConnection[] clients)
    {
        long total = 0;
        foreach (LoadConnection client in clients)
        {
            total += client.RoundTrips;
        }

        return total;
    }
}
