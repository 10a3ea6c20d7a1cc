using System.Globalization;
using System.Text;

namespace BypassNet.Samples.Demo;

/// <summary>
/// Prints the figures of one load case as a fixed-width table, then every other server's figures as ratios over the
/// System.Net.Sockets baseline and over the C liburing anchor (when it ran).
/// </summary>
internal static class ResultTable
{
    public const string Baseline = "System.Net.Sockets";

    public const string Anchor = "C liburing";

    public static string Format(LoadCase load, IReadOnlyList<ResultRow> rows, bool syscallsAvailable, string? note = null)
    {
        var text = new StringBuilder();
        bool spread = rows.Any(r => r.Spread is not null);
        text.AppendLine(CultureInfo.InvariantCulture, $"{load.Title}{(note is null ? string.Empty : $" ({note})")}");
        string header = $"  {"server",-26}{"round trips/s",14}{"MB/s",9}{"p50 us",9}{"p99 us",9}{"CPU us/rt",11}{"alloc B/rt",12}{"syscalls/rt",13}{"enter/rt",10}";
        if (spread)
        {
            header += $"  {"round trips/s range",-22}";
        }

        text.AppendLine(header);
        foreach (ResultRow row in rows)
        {
            string line = $"  {row.Server,-26}{row.RoundTripsPerSecond,14:N0}{row.MegabytesPerSecond,9:N1}{row.P50,9:0}{row.P99,9:0}{Number(row.CpuMicrosecondsPerRoundTrip, "0.00"),11}{Number(row.AllocatedPerRoundTrip, "0.0"),12}{Number(row.SyscallsPerRoundTrip, "0.00"),13}{Number(row.EntersPerRoundTrip, "0.000"),10}";
            if (spread)
            {
                line += $"  {row.Spread,-22}";
            }

            text.AppendLine(line);
        }

        foreach (string reference in new[] { Baseline, Anchor })
        {
            ResultRow? baseline = rows.FirstOrDefault(r => r.Server == reference);
            if (baseline is null)
            {
                continue;
            }

            foreach (ResultRow row in rows.Where(r => r != baseline))
            {
                string name = $"{Short(row.Server)} / {Short(reference)}";
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  {name,-26}{Ratio(row.RoundTripsPerSecond, baseline.RoundTripsPerSecond),14}{Ratio(row.MegabytesPerSecond, baseline.MegabytesPerSecond),9}{Ratio(row.P50, baseline.P50),9}{Ratio(row.P99, baseline.P99),9}{Ratio(row.CpuMicrosecondsPerRoundTrip, baseline.CpuMicrosecondsPerRoundTrip),11}{(baseline.AllocatedPerRoundTrip is >= 1 ? Ratio(row.AllocatedPerRoundTrip, baseline.AllocatedPerRoundTrip) : "-"),12}{Ratio(row.SyscallsPerRoundTrip, baseline.SyscallsPerRoundTrip),13}{(baseline.EntersPerRoundTrip is > 0 ? Ratio(row.EntersPerRoundTrip, baseline.EntersPerRoundTrip) : "-"),10}");
            }
        }

        if (!syscallsAvailable)
        {
            text.AppendLine("  system calls and io_uring_enter calls not counted: perf events on tracefs unavailable (see the header).");
        }

        return text.ToString();
    }

    private static string Short(string server) => server switch
    {
        Baseline => "sockets",
        Anchor => "C",
        _ => server.Split(' ')[0],
    };

    private static string Number(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Ratio(double? value, double? baseline) =>
        value is { } v && baseline is { } b && b > 0 ? (v / b).ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-";
}
