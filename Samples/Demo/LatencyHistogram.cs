namespace BypassNet.Samples.Demo;

/// <summary>
/// Round-trip times of one load connection in log-linear buckets (16 per power of two, so any percentile is within
/// about 6 % of the true value), in Stopwatch ticks. One writer records; readers sum snapshots of many histograms,
/// which costs nothing on the hot path: no locks, no allocation.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 4;
    private const int SubBuckets = 1 << SubBucketBits;

    /// <summary>Enough buckets for 2^47 ticks (over a day at 1 ns per tick).</summary>
    public const int BucketCount = (48 - SubBucketBits + 1) * SubBuckets;

    private readonly long[] _counts = new long[BucketCount];

    /// <summary>Records one round trip; called only by the connection's own loop.</summary>
    public void Record(long ticks)
    {
        int index = Index(Math.Max(ticks, 0));
        Volatile.Write(ref _counts[index], _counts[index] + 1);
    }

    /// <summary>Adds this histogram's counts so far into <paramref name="sum"/> (another thread may be recording).</summary>
    public void AddTo(long[] sum)
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            sum[i] += Volatile.Read(ref _counts[i]);
        }
    }

    /// <summary>
    /// The value in microseconds below which <paramref name="quantile"/> of the counts in <paramref name="counts"/>
    /// fall (the upper edge of that bucket), or 0 when there are none.
    /// </summary>
    public static double Percentile(long[] counts, double quantile)
    {
        long total = 0;
        foreach (long c in counts)
        {
            total += c;
        }

        if (total == 0)
        {
            return 0;
        }

        long rank = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= Math.Max(rank, 1))
            {
                return UpperEdge(i) * 1e6 / System.Diagnostics.Stopwatch.Frequency;
            }
        }

        return UpperEdge(counts.Length - 1) * 1e6 / System.Diagnostics.Stopwatch.Frequency;
    }

    private static int Index(long value)
    {
        if (value < SubBuckets)
        {
            return (int)value;
        }

        int exponent = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)value);
        int sub = (int)(value >> (exponent - SubBucketBits)) & (SubBuckets - 1);
        return Math.Min(((exponent - SubBucketBits + 1) * SubBuckets) + sub, BucketCount - 1);
    }

    private static long UpperEdge(int index)
    {
        if (index < SubBuckets)
        {
            return index + 1;
        }

        int exponent = (index / SubBuckets) + SubBucketBits - 1;
        long sub = index % SubBuckets;
        return ((SubBuckets + sub + 1) << (exponent - SubBucketBits)) - 1;
    }
}
