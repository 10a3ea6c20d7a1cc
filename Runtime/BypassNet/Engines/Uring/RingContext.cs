using BypassNet.Buffers;
using BypassNet.Ring;

namespace BypassNet.Engines.Uring;

/// <summary>
/// What the io_uring engine keeps per ring: the loop, its provided buffer ring and fixed-buffer registration, and all
/// receive-starvation state (the receivers whose multishot receive ended with ENOBUFS, re-armed once slots return).
/// Touched only on the ring's thread, except <see cref="OnReturned"/>.
/// </summary>
internal sealed class RingContext : IBufferReturnListener
{
    private readonly List<UringReceiver> _starved = new();
    private readonly RearmWork _rearm;
    private int _watchingReturns;

    public RingContext(int index)
    {
        Index = index;
        _rearm = new RearmWork(this);
    }

    public int Index { get; }

    public RingEventLoop Loop { get; set; } = null!;

    /// <summary>Where multishot receives land (always present: the engine requires buffer rings).</summary>
    public ProvidedBufferRing ReceiveRing { get; set; } = null!;

    /// <summary>The slab's registration as fixed buffer 0 on this ring, or null when the kernel refused it.</summary>
    public RegisteredSlab? FixedBuffers { get; set; }

    /// <summary>Remembers a receiver whose multishot receive ended with ENOBUFS; it is re-armed when buffers return.</summary>
    public void AddStarved(UringReceiver receiver)
    {
        if (!_starved.Contains(receiver))
        {
            _starved.Add(receiver);
        }

        Volatile.Write(ref _watchingReturns, 1);
        // A buffer may have come back between the ENOBUFS and the flag: never wait for a return that already happened.
        if (ReceiveRing.Available > 0)
        {
            RearmStarved();
        }
    }

    /// <summary>A slot came back (any thread): the first return after a starvation schedules the re-arm on the ring thread.</summary>
    public void OnReturned()
    {
        if (Volatile.Read(ref _watchingReturns) == 0 || Interlocked.Exchange(ref _watchingReturns, 0) == 0 || Loop.IsStopped)
        {
            return;
        }

        if (Loop.IsCurrentThread)
        {
            Loop.RunAfterCompletions(_rearm);
        }
        else
        {
            Loop.Post(_rearm, RingCommand.Custom);
        }
    }

    /// <summary>Re-arms every starved receiver (ring thread).</summary>
    private void RearmStarved()
    {
        if (_starved.Count == 0)
        {
            return;
        }

        UringReceiver[] waiting = _starved.ToArray();
        _starved.Clear();
        foreach (UringReceiver receiver in waiting)
        {
            receiver.Arm(Loop);
        }
    }

    private sealed class RearmWork : RingWork
    {
        private readonly RingContext _context;

        public RearmWork(RingContext context) => _context = context;

        internal override void Execute(RingEventLoop loop, RingCommand command) => _context.RearmStarved();
    }
}
