namespace BypassNet.Samples.Demo;

/// <summary>One line of a result table: a single measurement, or the medians of several.</summary>
internal sealed record ResultRow(
    string Server,
    double RoundTripsPerSecond,
    double MegabytesPerSecond,
    double P50,
    double P99,
    double CpuMicrosecondsPerRoundTrip,
    double? AllocatedPerRoundTrip,
    double? SyscallsPerRoundTrip,
    double? EntersPerRoundTrip,
    string? Spread = null)
{
    public static ResultRow From(Measurement m) => new(
        m.Server, m.RoundTripsPerSecond, m.MegabytesPerSecond, m.P50, m.P99, m.CpuMicrosecondsPerRoundTrip, m.AllocatedPerRoundTrip, m.SyscallsPerRoundTrip, m.EntersPerRoundTrip);

    /// <summary>Medians of each figure over repetitions, with the round-trip rate's range as the spread.</summary>
    public static ResultRow Median(IReadOnlyList<Measurement> runs)
    {
        double[] rates = [.. runs.Select(r => r.RoundTripsPerSecond)];
        return new ResultRow(
            runs[0].Server,
            Median(rates)!.Value,
            Median([.. runs.Select(r => r.MegabytesPerSecond)])!.Value,
            Median([.. runs.Select(r => r.P50)])!.Value,
            Median([.. runs.Select(r => r.P99)])!.Value,
            Median([.. runs.Select(r => r.CpuMicrosecondsPerRoundTrip)])!.Value,
            Median(runs.Select(r => r.AllocatedPerRoundTrip)),
            Median(runs.Select(r => r.SyscallsPerRoundTrip)),
            Median(runs.Select(r => r.EntersPerRoundTrip)),
            $"{rates.Min():N0}..{rates.Max():N0}");
    }

    private static double? Median(IEnumerable<double?> values)
    {
        double[] present = [.. values.Where(v => v.HasValue).Select(v => v!.Value)];
        return present.Length == 0 ? null : Median(present);
    }

    private static double? Median(double[] values)
    {
        if (values.Length == 0)
        {
            return null;
        }

        Array.Sort(values);
        int middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
