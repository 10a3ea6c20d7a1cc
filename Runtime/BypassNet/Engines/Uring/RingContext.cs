using BypassNet.Buffers;
using BypassNet.Ring;

namespace BypassNet.Engines.Uring;

/// <summary>
/// What the io_uring engine keeps per ring: the loop, its provided buffer ring and fixed-buffer registration,
/// and the receivers waiting for buffers after ENOBUFS. Touched only on the ring's thread, except where noted.
/// </summary>
internal sealed class RingContext
{
    private readonly List<IoUringSocketTransport> _starved = new();

    public RingContext(int index) => Index = index;

    public int Index { get; }

    public RingEventLoop Loop { get; set; } = null!;

    /// <summary>Where multishot receives land, or null on the degraded path (no buffer rings / multishot recv).</summary>
    public ProvidedBufferRing? ReceiveRing { get; set; }

    /// <summary>The slab's registration as fixed buffer 0 on this ring, or null when the kernel refused it.</summary>
    public RegisteredSlab? FixedBuffers { get; set; }

    /// <summary>Remembers a receiver whose multishot receive ended with ENOBUFS; it is re-armed when buffers return.</summary>
    public void AddStarved(IoUringSocketTransport transport)
    {
        if (!_starved.Contains(transport))
        {
            _starved.Add(transport);
        }

        ReceiveRing!.MarkStarved();
        // A buffer may have come back between the ENOBUFS and MarkStarved: never wait for a return that already happened.
        if (ReceiveRing.Available > 0)
        {
            RearmStarved();
        }
    }

    /// <summary>Re-arms every starved receiver (ring thread).</summary>
    public void RearmStarved()
    {
        if (_starved.Count == 0)
        {
            return;
        }

        IoUringSocketTransport[] waiting = _starved.ToArray();
        _starved.Clear();
        foreach (IoUringSocketTransport transport in waiting)
        {
            transport.ArmReceive(Loop);
        }
    }

    /// <summary>The work a provided buffer ring schedules when buffers come back after starvation.</summary>
    internal sealed class RearmWork : RingWork
    {
        private readonly RingContext _context;

        public RearmWork(RingContext context) => _context = context;

        internal override void Execute(RingEventLoop loop, RingCommand command) => _context.RearmStarved();
    }
}
