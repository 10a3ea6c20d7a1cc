using System.Runtime.InteropServices;

namespace BypassNet.Samples.Demo;

/// <summary>The demo and the benchmark: every case on every server, repeated, then one table per case.</summary>
internal static class Comparison
{
    public static async Task<int> RunAsync(DemoArguments arguments)
    {
        TimeSpan window = arguments.Duration ?? TimeSpan.FromSeconds(arguments.Bench ? 10 : 6);
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
        Console.WriteLine($"  {repetitions} repetition(s) x {arguments.Cases.Count} case(s) x {servers.Count} servers, {arguments.Warmup.TotalSeconds:0.#} s warm-up + {window.TotalSeconds:0.#} s measured each");
        Console.WriteLine();

        var results = new Dictionary<(LoadCase, string), List<Measurement>>();
        for (int repetition = 0; repetition < repetitions; repetition++)
        {
            if (repetitions > 1)
            {
                Console.WriteLine($"repetition {repetition + 1}/{repetitions}");
            }

            foreach (LoadCase load in arguments.Cases)
            {
                // Alternate the order so that neither server always runs on a warmer (or hotter) machine.
                IEnumerable<ServerFactory> order = repetition % 2 == 0 ? servers : servers.Reverse();
                foreach (ServerFactory factory in order)
                {
                    Measurement m = await MeasureAsync(factory, load, arguments.Warmup, window).ConfigureAwait(false);
                    Console.WriteLine($"    -> {m.RoundTripsPerSecond:N0} round trips/s, {Format(m.SyscallsPerRoundTrip)} syscalls/rt, {Format(m.AllocatedPerRoundTrip)} B/rt, server CPU {m.ServerCpuPercent:0}% ({m.CpuMicrosecondsPerRoundTrip:0.0} us/rt), client CPU {m.ClientCpuPercent:0}% ({m.ClientCpuSeconds * 1e6 / (m.RoundTripsPerSecond * m.ServerSeconds):0.0} us/rt)");
                    if (!results.TryGetValue((load, factory.Name), out List<Measurement>? list))
                    {
                        results[(load, factory.Name)] = list = [];
                    }

                    list.Add(m);
                }
            }
        }

        Console.WriteLine();
        foreach (LoadCase load in arguments.Cases)
        {
            List<ResultRow> rows = [.. servers.Select(s => results[(load, s.Name)]).Select(runs => repetitions > 1 ? ResultRow.Median(runs) : ResultRow.From(runs[0]))];
            Console.WriteLine(ResultTable.Format(load, rows, syscallsAvailable, repetitions > 1 ? $"medians of {repetitions}" : null));
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
