namespace BypassNet.Soak;

/// <summary>What the soak has done so far; updated with Interlocked from every worker.</summary>
internal sealed class SoakCounters
{
    public long RoundTrips;
    public long BytesVerified;
    public long Mismatches;
    public long ConnectionsOpened;
    public long ConnectionsOpen;
    public long MaxConnectionsOpen;
    public long Resets;
    public long CanceledReceives;
    public long AbandonedMidStream;
    public long UnexpectedErrors;

    public long FaultsInjected => Interlocked.Read(ref Resets) + Interlocked.Read(ref CanceledReceives) + Interlocked.Read(ref AbandonedMidStream);

    public void Opened()
    {
        Interlocked.Increment(ref ConnectionsOpened);
        long open = Interlocked.Increment(ref ConnectionsOpen);
        long max;
        while (open > (max = Interlocked.Read(ref MaxConnectionsOpen)) && Interlocked.CompareExchange(ref MaxConnectionsOpen, open, max) != max)
        {
        }
    }

    public void Closed() => Interlocked.Decrement(ref ConnectionsOpen);
}
