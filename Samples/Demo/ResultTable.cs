using System.Globalization;
using System.Text;

namespace BypassNet.Samples.Demo;

/// <summary>Prints the figures of one load case as a fixed-width table, with BypassNet over the baseline as ratios.</summary>
internal static class ResultTable
{
    public const string Baseline = "System.Net.Sockets";

    public static string Format(LoadCase load, IReadOnlyList<ResultRow> rows, bool syscallsAvailable, string? note = null)
    {
        var text = new StringBuilder();
        bool spread = rows.Any(r => r.Spread is not null);
        text.AppendLine(CultureInfo.InvariantCulture, $"{load.Title}{(note is null ? string.Empty : $" ({note})")}");
        string header = $"  {"engine",-26}{"round trips/s",14}{"MB/s",10}{"alloc B/rt",12}{(syscallsAvailable ? "syscalls/rt" : "syscalls/rt*"),13}{"enter/rt",10}{"CQEs/enter",12}{"CPU us/rt",11}";
        if (spread)
        {
            header += $"  {"round trips/s range",-22}";
        }

        text.AppendLine(header);
        foreach (ResultRow row in rows)
        {
            string syscalls = row.SyscallsPerRoundTrip is { } s ? s.ToString("0.00", CultureInfo.InvariantCulture)
                : row.EntersPerRoundTrip is { } e ? $">={e.ToString("0.00", CultureInfo.InvariantCulture)}*"
                : "n/a";
            string line = $"  {row.Server,-26}{row.RoundTripsPerSecond,14:N0}{row.MegabytesPerSecond,10:N1}{Number(row.AllocatedPerRoundTrip, "0.0"),12}{syscalls,13}{Number(row.EntersPerRoundTrip, "0.000"),10}{Number(row.CompletionsPerEnter, "0.0"),12}{Number(row.CpuMicrosecondsPerRoundTrip, "0.00"),11}";
            if (spread)
            {
                line += $"  {row.Spread,-22}";
            }

            text.AppendLine(line);
        }

        ResultRow? baseline = rows.FirstOrDefault(r => r.Server == Baseline);
        if (baseline is not null)
        {
            foreach (ResultRow row in rows.Where(r => r != baseline))
            {
                string name = $"{row.Server.Split(' ')[0]} / sockets";
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  {name,-26}{Ratio(row.RoundTripsPerSecond, baseline.RoundTripsPerSecond),14}{Ratio(row.MegabytesPerSecond, baseline.MegabytesPerSecond),10}{(baseline.AllocatedPerRoundTrip is >= 1 ? Ratio(row.AllocatedPerRoundTrip, baseline.AllocatedPerRoundTrip) : "-"),12}{Ratio(row.SyscallsPerRoundTrip, baseline.SyscallsPerRoundTrip),13}{string.Empty,22}{Ratio(row.CpuMicrosecondsPerRoundTrip, baseline.CpuMicrosecondsPerRoundTrip),11}");
            }
        }

        if (!syscallsAvailable)
        {
            text.AppendLine("  * perf events unavailable: system calls not counted; for io_uring the figure is io_uring_enter calls only.");
        }

        return text.ToString();
    }

    private static string Number(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Ratio(double? value, double? baseline) =>
        value is { } v && baseline is { } b && b > 0 ? (v / b).ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-";
}
