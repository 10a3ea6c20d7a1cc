namespace BypassNet.Samples.Demo;

/// <summary>The load client's percentiles between two marks: every connection's histogram summed, minus the previous sum.</summary>
internal sealed class LatencySinceMark(LoadConnection[] connections)
{
    private long[] _previous = new long[LatencyHistogram.BucketCount];

    /// <summary>p50 and p99 in microseconds of the round trips completed since the previous call.</summary>
    public (double P50, double P99) Mark()
    {
        var now = new long[LatencyHistogram.BucketCount];
        foreach (LoadConnection connection in connections)
        {
            connection.Latency.AddTo(now);
        }

        var window = new long[now.Length];
        for (int i = 0; i < now.Length; i++)
        {
            window[i] = now[i] - _previous[i];
        }

        _previous = now;
        return (LatencyHistogram.Percentile(window, 0.50), LatencyHistogram.Percentile(window, 0.99));
    }
}
