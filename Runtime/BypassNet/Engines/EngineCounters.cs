using System.Runtime.InteropServices;

namespace BypassNet.Engines;

/// <summary>
/// One stripe of <see cref="EngineStatistics"/>. Adds are Interlocked because a socket's operations may complete on
/// more than one thread, but only its own ring (or socket group) writes here, so the line stays in one core's cache.
/// </summary>
internal sealed class EngineCounters
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

    // Keeps the next stripe (allocated right after this one) off this object's last cache line; never read.
#pragma warning disable CS0169
    private CacheLinePadding _padding;
#pragma warning restore CS0169

    public void Add(ref long counter, long value = 1) => Interlocked.Add(ref counter, value);

    [StructLayout(LayoutKind.Sequential, Size = 64)]
    private struct CacheLinePadding
    {
    }
}
