using System.Runtime.InteropServices;

namespace BypassNet.Samples.Demo;

/// <summary>The demo and the benchmark: every case on every server, repeated, then one table per case.</summary>
internal static class Comparison
{
    public static async Task<int> RunAsync(DemoArguments arguments)
    {
        TimeSpan window = arguments.Duration ?? TimeSpan.FromSeconds(arguments.Bench ? 2 : 5);
        TimeSpan warmup = arguments.Warmup ?? TimeSpan.FromSeconds(arguments.Bench ? 2 : 1.5);
        IReadOnlyList<LoadCase> cases = arguments.Cases ?? (arguments.Bench ? LoadCase.All : LoadCase.Standard);
        int repetitions = arguments.Bench ? arguments.Repetitions : 1;
        IReadOnlyList<ServerFactory> servers = ServerFactory.For(arguments);

        Console.WriteLine($"BypassNet {(arguments.Bench ? "benchmark" : "demo")}: echo servers, each in its own process, under a ping-pong load from a separate client process");
        Console.WriteLine($"  machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"  {ServerFactory.BypassNet}: the sample at its defaults{(arguments.EchoArguments.Count == 0 ? string.Empty : $" plus {string.Join(' ', arguments.EchoArguments)}")} (it names its engine below)");
        Console.WriteLine("  System.Net.Sockets: an async ReceiveAsync/SendAsync loop per connection, default socket settings");
        Console.WriteLine(ServerFactory.NativePath(arguments) is { } native
            ? $"  {ResultTable.Anchor}: {native} (multishot accept + recv, buffer ring, one thread)"
            : $"  {ResultTable.Anchor}: not built (needs gcc and liburing-dev: apt-get install -y liburing-dev, then rebuild)");
        Console.WriteLine("  load client: a separate process, System.Net.Sockets with inline completions, NoDelay, echoes checked, p50/p99 per round trip");
        bool syscallsAvailable;
        using (SyscallCounter? probe = SyscallCounter.TryCreate(Environment.ProcessId, SyscallCounter.AllCalls, out string? reason))
        {
            syscallsAvailable = probe is not null;
            Console.WriteLine(probe is not null
                ? "  system calls: perf_event_open on raw_syscalls:sys_enter and syscalls:sys_enter_io_uring_enter, every thread of the server process"
                : $"  system calls: n/a ({reason})");
        }

        Console.WriteLine("  allocations: GC.GetTotalAllocatedBytes(true) in each .NET server, read through a startup hook (Samples/AllocationProbe)");
        Console.WriteLine($"  uptime: {Uptime()} (other work on the machine competes for the same cores)");
        Console.WriteLine(arguments.Bench
            ? $"  {cases.Count} case(s) x {servers.Count} servers: all up at once, {repetitions} rounds, each server measured {window.TotalSeconds:0.#} s per round in turn"
            : $"  {cases.Count} case(s) x {servers.Count} servers, one after the other, {warmup.TotalSeconds:0.#} s warm-up + {window.TotalSeconds:0.#} s measured each");
        Console.WriteLine();

        var results = new Dictionary<(LoadCase, string), List<Measurement>>();
        foreach (LoadCase load in cases)
        {
            if (arguments.Bench)
            {
                List<Measurement>[] rounds = await InterleavedRounds.RunAsync(servers, load, repetitions, warmup, window, Console.WriteLine).ConfigureAwait(false);
                for (int i = 0; i < servers.Count; i++)
                {
                    results[(load, servers[i].Name)] = rounds[i];
                }

                continue;
            }

            foreach (ServerFactory factory in servers)
            {
                Measurement m = await PhaseRunner.RunAsync(factory, load, warmup, window, Console.WriteLine).ConfigureAwait(false);
                Console.WriteLine($"    -> {m.RoundTripsPerSecond:N0} round trips/s, p50 {m.P50:0} us, p99 {m.P99:0} us, {Format(m.SyscallsPerRoundTrip)} syscalls/rt, {Format(m.AllocatedPerRoundTrip)} B/rt, server CPU {m.ServerCpuPercent:0}% ({m.CpuMicrosecondsPerRoundTrip:0.0} us/rt), client CPU {m.ClientCpuPercent:0}%");
                results[(load, factory.Name)] = [m];
            }
        }

        Console.WriteLine();
        foreach (LoadCase load in cases)
        {
            List<ResultRow> rows = [.. servers.Select(s => results[(load, s.Name)]).Select(runs => repetitions > 1 ? ResultRow.Median(runs) : ResultRow.From(runs[0]))];
            Console.Write(ResultTable.Format(load, rows, syscallsAvailable, repetitions > 1 ? $"medians of {repetitions} rounds" : null));
            if (repetitions > 1)
            {
                foreach (ServerFactory other in servers.Skip(1))
                {
                    PrintRoundRatios(results[(load, servers[0].Name)], results[(load, other.Name)], other.Name);
                }
            }

            Console.WriteLine();
        }

        PrintTargets(cases, servers, results);
        Console.WriteLine($"uptime after: {Uptime()}");
        return 0;
    }

    /// <summary>Issue 15's goals on 64 x 64 B, against the anchor when it ran and the sockets baseline.</summary>
    private static void PrintTargets(IReadOnlyList<LoadCase> cases, IReadOnlyList<ServerFactory> servers, Dictionary<(LoadCase, string), List<Measurement>> results)
    {
        if (!cases.Contains(LoadCase.ManySmall))
        {
            return;
        }

        ResultRow bypass = ResultRow.Median(results[(LoadCase.ManySmall, ServerFactory.BypassNet)]);
        ResultRow sockets = ResultRow.Median(results[(LoadCase.ManySmall, ResultTable.Baseline)]);
        Console.WriteLine($"targets on {LoadCase.ManySmall.Title}:");
        if (servers.Any(s => s.Name == ResultTable.Anchor))
        {
            ResultRow native = ResultRow.Median(results[(LoadCase.ManySmall, ResultTable.Anchor)]);
            Target("server CPU per round trip <= 1.05x C liburing", bypass.CpuMicrosecondsPerRoundTrip / native.CpuMicrosecondsPerRoundTrip, "x", r => r <= 1.05);
            Target("round trips/s >= 0.95x C liburing", bypass.RoundTripsPerSecond / native.RoundTripsPerSecond, "x", r => r >= 0.95);
            Target("p99 latency <= 1.3x C liburing", bypass.P99 / native.P99, "x", r => r <= 1.3);
        }

        Target("round trips/s vs System.Net.Sockets (for the record)", bypass.RoundTripsPerSecond / sockets.RoundTripsPerSecond, "x", _ => true);
        Target("io_uring_enter per round trip <= 0.12", bypass.EntersPerRoundTrip, string.Empty, r => r <= 0.12);
        Target("allocated bytes per round trip = 0", bypass.AllocatedPerRoundTrip, " B", r => r < 0.5);
    }

    private static void Target(string goal, double? value, string unit, Func<double, bool> met) =>
        Console.WriteLine(value is { } v ? $"  {goal}: {v:0.00}{unit} {(met(v) ? "met" : "NOT met")}" : $"  {goal}: n/a");

    /// <summary>Ratios taken within each round (same background load for both), then their median and range.</summary>
    private static void PrintRoundRatios(List<Measurement> bypass, List<Measurement> other, string otherName)
    {
        double[] rates = [.. bypass.Zip(other, (b, s) => b.RoundTripsPerSecond / s.RoundTripsPerSecond).Order()];
        double[] cpu = [.. bypass.Zip(other, (b, s) => b.CpuMicrosecondsPerRoundTrip / s.CpuMicrosecondsPerRoundTrip).Order()];
        double[] p99 = [.. bypass.Zip(other, (b, s) => b.P99 / s.P99).Order()];
        Console.WriteLine($"  per-round BypassNet / {otherName}: round trips/s {Median(rates):0.00}x ({rates[0]:0.00}..{rates[^1]:0.00}), CPU/rt {Median(cpu):0.00}x ({cpu[0]:0.00}..{cpu[^1]:0.00}), p99 {Median(p99):0.00}x ({p99[0]:0.00}..{p99[^1]:0.00})");
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;

    /// <summary>What <c>uptime</c> prints about load: the 1, 5 and 15 minute load averages, and runnable/total tasks.</summary>
    private static string Uptime()
    {
        try
        {
            string[] parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"load average {parts[0]}, {parts[1]}, {parts[2]} (runnable/total tasks {parts[3]})";
        }
        catch (IOException)
        {
            return "load average n/a";
        }
    }

    private static string Format(double? value) => value is { } v ? v.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) : "n/a";
}
