namespace BypassNet.Engines;

/// <summary>Counters of an engine's socket operations. Interlocked, since the socket engine updates them from any thread.</summary>
internal sealed class EngineStatistics
{
    public long Sends;
    public long ZeroCopySends;
    public long ZeroCopyCopied;
    public long Receives;
    public long BytesSent;
    public long BytesReceived;
    public long ReceiveRearms;
    public long BufferStarvations;
    public long Accepts;
    public long Compactions;
    public long CompactedBytes;
    public long ReceivePauses;

    public void Add(ref long counter, long value = 1) => Interlocked.Add(ref counter, value);
}
