using System.Runtime.InteropServices;

namespace BypassNet.Samples.Demo;

/// <summary>The demo and the benchmark: every case on every server, repeated, then one table per case.</summary>
internal static class Comparison
{
    public static async Task<int> RunAsync(DemoArguments arguments)
    {
        TimeSpan window = arguments.Duration ?? TimeSpan.FromSeconds(arguments.Bench ? 2 : 6);
        int repetitions = arguments.Bench ? arguments.Repetitions : 1;
        BypassNetOptions options = ServerFactory.BypassNetOptions(arguments);
        IReadOnlyList<ServerFactory> servers = ServerFactory.For(arguments, options);

        Console.WriteLine($"BypassNet {(arguments.Bench ? "benchmark" : "demo")}: echo servers under a ping-pong load from a separate client process");
        Console.WriteLine($"  machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"  BypassNet: {DescribeEngine(options)}");
        Console.WriteLine($"  System.Net.Sockets: as configured for this process (inline completions: {Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") ?? "default, off"})");
        Console.WriteLine("  load client: a separate process, System.Net.Sockets with inline completions, NoDelay, echoes checked");
        bool syscallsAvailable;
        using (SyscallCounter? probe = SyscallCounter.TryCreate(Environment.ProcessId, out string? reason))
        {
            syscallsAvailable = probe is not null;
            Console.WriteLine(probe is not null
                ? "  system calls: perf_event_open on raw_syscalls:sys_enter, every thread of the server process"
                : $"  system calls: n/a ({reason}); io_uring_enter calls are shown instead for BypassNet");
        }

        Console.WriteLine($"  load average before: {LoadAverage()} (other work on the machine competes for the same cores)");
        Console.WriteLine(arguments.Bench
            ? $"  {arguments.Cases.Count} case(s) x {servers.Count} servers: all up at once, {repetitions} rounds, each server measured {window.TotalSeconds:0.#} s per round in turn"
            : $"  {arguments.Cases.Count} case(s) x {servers.Count} servers, one after the other, {arguments.Warmup.TotalSeconds:0.#} s warm-up + {window.TotalSeconds:0.#} s measured each");
        Console.WriteLine();

        var results = new Dictionary<(LoadCase, string), List<Measurement>>();
        if (arguments.Bench)
        {
            foreach (LoadCase load in arguments.Cases)
            {
                List<Measurement>[] rounds = await InterleavedRounds.RunAsync(servers, load, repetitions, arguments.Warmup, window, Console.WriteLine).ConfigureAwait(false);
                for (int i = 0; i < servers.Count; i++)
                {
                    results[(load, servers[i].Name)] = rounds[i];
                }
            }
        }
        else
        {
            foreach (LoadCase load in arguments.Cases)
            {
                foreach (ServerFactory factory in servers)
                {
                    Measurement m = await MeasureAsync(factory, load, arguments.Warmup, window).ConfigureAwait(false);
                    Console.WriteLine($"    -> {m.RoundTripsPerSecond:N0} round trips/s, {Format(m.SyscallsPerRoundTrip)} syscalls/rt, {Format(m.AllocatedPerRoundTrip)} B/rt, server CPU {m.ServerCpuPercent:0}% ({m.CpuMicrosecondsPerRoundTrip:0.0} us/rt), client CPU {m.ClientCpuPercent:0}% ({m.ClientCpuSeconds * 1e6 / (m.RoundTripsPerSecond * m.ServerSeconds):0.0} us/rt)");
                    results[(load, factory.Name)] = [m];
                }
            }
        }

        Console.WriteLine();
        foreach (LoadCase load in arguments.Cases)
        {
            List<ResultRow> rows = [.. servers.Select(s => results[(load, s.Name)]).Select(runs => repetitions > 1 ? ResultRow.Median(runs) : ResultRow.From(runs[0]))];
            Console.Write(ResultTable.Format(load, rows, syscallsAvailable, repetitions > 1 ? $"medians of {repetitions} rounds" : null));
            if (repetitions > 1)
            {
                PrintRoundRatios(results[(load, servers[0].Name)], results[(load, ResultTable.Baseline)]);
            }

            Console.WriteLine();
        }

        PrintTargets(arguments, servers, results);
        Console.WriteLine($"load average after: {LoadAverage()}");
        return 0;
    }

    private static async Task<Measurement> MeasureAsync(ServerFactory factory, LoadCase load, TimeSpan warmup, TimeSpan window)
    {
        // Garbage left by the previous phase must not be collected on this one's clock.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        IServerUnderTest server = factory.Start();
        await using (server.ConfigureAwait(false))
        {
            return PhaseRunner.Run(server, load, warmup, window, Console.WriteLine);
        }
    }

    private static void PrintTargets(DemoArguments arguments, IReadOnlyList<ServerFactory> servers, Dictionary<(LoadCase, string), List<Measurement>> results)
    {
        if (!arguments.Cases.Contains(LoadCase.ManySmall))
        {
            return;
        }

        ResultRow bypass = ResultRow.Median(results[(LoadCase.ManySmall, servers[0].Name)]);
        ResultRow baseline = ResultRow.Median(results[(LoadCase.ManySmall, ResultTable.Baseline)]);
        double ratio = bypass.RoundTripsPerSecond / baseline.RoundTripsPerSecond;
        Console.WriteLine($"targets on {LoadCase.ManySmall.Title}:");
        Console.WriteLine($"  round trips/s >= 1.5x System.Net.Sockets: {ratio:0.00}x {(ratio >= 1.5 ? "met" : "NOT met")}");
        Console.WriteLine($"  allocated bytes per round trip = 0: {Format(bypass.AllocatedPerRoundTrip)} {(bypass.AllocatedPerRoundTrip is < 0.5 ? "met" : "NOT met")}");
        Console.WriteLine($"  system calls per round trip <= 0.2: {Format(bypass.SyscallsPerRoundTrip)} {(bypass.SyscallsPerRoundTrip is <= 0.2 ? "met" : "NOT met")}");
    }

    /// <summary>Ratios taken within each round (same background load for both), then their median and range.</summary>
    private static void PrintRoundRatios(List<Measurement> bypass, List<Measurement> baseline)
    {
        double[] rates = [.. bypass.Zip(baseline, (b, s) => b.RoundTripsPerSecond / s.RoundTripsPerSecond).Order()];
        double[] cpu = [.. bypass.Zip(baseline, (b, s) => s.CpuMicrosecondsPerRoundTrip / b.CpuMicrosecondsPerRoundTrip).Order()];
        Console.WriteLine($"  per-round BypassNet/sockets: round trips/s median {Median(rates):0.00}x ({rates[0]:0.00}..{rates[^1]:0.00}), CPU efficiency (sockets CPU/rt over BypassNet CPU/rt) median {Median(cpu):0.00}x ({cpu[0]:0.00}..{cpu[^1]:0.00})");
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;

    private static string DescribeEngine(BypassNetOptions options)
    {
        using BypassRuntime runtime = BypassRuntime.Create(options);
        string rings = $"{options.RingCount} ring(s), inline continuations";
        return runtime.Engine == EngineKind.IoUring
            ? $"engine io_uring ({runtime.Capabilities}), {rings}"
            : $"engine {runtime.Engine}: FELL BACK from io_uring: {runtime.FallbackReason}";
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static string Format(double? value) => value is { } v ? v.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) : "n/a";
}
