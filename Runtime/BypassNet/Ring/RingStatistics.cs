namespace BypassNet.Ring;

/// <summary>Counters of one ring, written only by its thread and read by anyone (figures, not synchronisation).</summary>
internal sealed class RingStatistics
{
    public long Completions;
    public long StaleCompletions;
    public long Wakeups;
    public long SqFull;
    public long OverflowRetries;

    /// <summary>Spins before a sleep that found work (<see cref="BusyPollPolicy"/>), and spins that ran out and slept.</summary>
    public long BusyPollHits;

    public long BusyPollMisses;

    /// <summary>Enters that submitted sends and waited for one completion beyond them.</summary>
    public long ExtendedWaits;
}
