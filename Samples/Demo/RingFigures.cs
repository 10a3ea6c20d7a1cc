namespace BypassNet.Samples.Demo;

/// <summary>io_uring counters of a server: what batching looks like from the inside.</summary>
internal readonly record struct RingFigures(long Enters, long Submissions, long Completions, long Wakeups)
{
    public static RingFigures operator -(RingFigures end, RingFigures start) => new(
        end.Enters - start.Enters,
        end.Submissions - start.Submissions,
        end.Completions - start.Completions,
        end.Wakeups - start.Wakeups);
}
