namespace BypassNet.Engines;

/// <summary>
/// The counters of an engine's socket operations, striped: each ring (or, on the socket engine, each group of
/// sockets) adds to its own <see cref="EngineCounters"/>, so two rings never write the same cache line per operation.
/// Readers sum the stripes (<see cref="Sum"/>): a figure, not a synchronisation point.
/// </summary>
internal sealed class EngineStatistics
{
    private readonly EngineCounters[] _stripes;
    private int _next;

    public EngineStatistics()
    {
        _stripes = new EngineCounters[Math.Clamp(Environment.ProcessorCount, 1, 64)];
        for (int i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new EngineCounters();
        }
    }

    /// <summary>The stripe of ring <paramref name="ringIndex"/>.</summary>
    public EngineCounters ForRing(int ringIndex) => _stripes[(uint)ringIndex % (uint)_stripes.Length];

    /// <summary>A stripe for a socket not tied to a ring (socket engine): round robin.</summary>
    public EngineCounters ForNextSocket() => _stripes[(uint)Interlocked.Increment(ref _next) % (uint)_stripes.Length];

    /// <summary>The totals over every stripe, in a new <see cref="EngineCounters"/>.</summary>
    public EngineCounters Sum()
    {
        var sum = new EngineCounters();
        foreach (EngineCounters s in _stripes)
        {
            sum.Sends += Interlocked.Read(ref s.Sends);
            sum.ZeroCopySends += Interlocked.Read(ref s.ZeroCopySends);
            sum.ZeroCopyCopied += Interlocked.Read(ref s.ZeroCopyCopied);
            sum.Receives += Interlocked.Read(ref s.Receives);
            sum.BytesSent += Interlocked.Read(ref s.BytesSent);
            sum.BytesReceived += Interlocked.Read(ref s.BytesReceived);
            sum.ReceiveRearms += Interlocked.Read(ref s.ReceiveRearms);
            sum.BufferStarvations += Interlocked.Read(ref s.BufferStarvations);
            sum.Accepts += Interlocked.Read(ref s.Accepts);
            sum.Compactions += Interlocked.Read(ref s.Compactions);
            sum.CompactedBytes += Interlocked.Read(ref s.CompactedBytes);
            sum.ReceivePauses += Interlocked.Read(ref s.ReceivePauses);
        }

        return sum;
    }
}
