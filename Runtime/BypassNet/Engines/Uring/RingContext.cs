using BypassNet.Buffers;
using BypassNet.Ring;

namespace BypassNet.Engines.Uring;

/// <summary>
/// What the io_uring engine keeps per ring: the loop, its provided buffer ring and fixed-buffer registration, and all
/// receive-starvation state. Touched only on the ring's thread: the buffer ring drains returns from other threads
/// there before it calls <see cref="OnReturned"/>.
/// <para>
/// Why a starved receiver is always re-armed once slots return: it joins the FIFO <c>_starved</c> queue on the ring
/// thread; every later slot return is also handled on the ring thread (no other writer, so no store→load race) and
/// schedules a pass that re-arms at least one queued receiver while slots are free, one more per
/// <see cref="BackpressurePolicy.MaxHeldSlotsPerSocket"/> slots returned. A re-armed receiver had data waiting (that is
/// what ENOBUFS means), so it takes a slot; that slot comes back without any application's help, because a receiver
/// on a ring running low compacts what it holds on its next completion, and a pass that finds the ring empty compacts
/// the receivers holding slots (<c>_holders</c>). A receiver re-armed for nothing (closed, paused, ended) does not
/// count, so the next in line is tried.
/// </para>
/// </summary>
internal sealed class RingContext : IBufferReturnListener
{
    private readonly Queue<UringReceiver> _starved = new();
    private readonly Queue<UringReceiver> _holders = new();
    private readonly RearmWork _rearm;
    private int _returned;
    private bool _passScheduled;

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

    /// <summary>Slots re-arms are paid with: one starved receiver re-armed per this many returned slots (at least one per pass).</summary>
    public int SlotsPerRearm { get; set; } = 1;

    /// <summary>Receivers waiting for slots (ring thread; a figure for tests and metrics).</summary>
    public int StarvedCount => _starved.Count;

    /// <summary>Queues a receiver whose multishot receive ended with ENOBUFS (ring thread); FIFO, each at most once.</summary>
    public void AddStarved(UringReceiver receiver)
    {
        if (!receiver.InStarvedQueue)
        {
            receiver.InStarvedQueue = true;
            _starved.Enqueue(receiver);
        }

        SchedulePass();
    }

    /// <summary>
    /// Remembers a receiver that now holds slots of unread data (ring thread), so that a starved ring can take them
    /// back by compaction. Each receiver is queued once; a couple of queued ones are checked per call and dropped
    /// once they hold nothing, so the queue stays proportional to the receivers actually holding slots.
    /// </summary>
    public void AddHolder(UringReceiver receiver)
    {
        for (int i = 0; i < 2 && _holders.Count > 0; i++)
        {
            UringReceiver head = _holders.Dequeue();
            if (head.HeldSlots > 0)
            {
                _holders.Enqueue(head);
            }
            else
            {
                head.InHolderQueue = false;
            }
        }

        if (!receiver.InHolderQueue)
        {
            receiver.InHolderQueue = true;
            _holders.Enqueue(receiver);
        }

        // A ring running low takes back slots from the longest holder too, not only from whoever receives next.
        if (ReceiveRing.Available < ReceiveRing.Count / 2 && _holders.Count > 0)
        {
            UringReceiver oldest = _holders.Dequeue();
            oldest.InHolderQueue = false;
            oldest.CompactHeld();
        }
    }

    /// <summary>Slots came back (ring thread): pays for re-arms in the pass after this batch of completions.</summary>
    public void OnReturned(int count)
    {
        _returned += count;
        if (_starved.Count > 0)
        {
            SchedulePass();
        }
    }

    /// <summary>A re-armed receive ended without taking a slot (ring thread): let the next starved one try.</summary>
    public void OnReceiveEnded()
    {
        if (_starved.Count > 0)
        {
            SchedulePass();
        }
    }

    private void SchedulePass()
    {
        if (!_passScheduled && !Loop.IsStopped)
        {
            _passScheduled = true;
            Loop.RunAfterCompletions(_rearm);
        }
    }

    /// <summary>Re-arms starved receivers in arrival order, bounded by the slots returned since the last pass.</summary>
    private void RearmPass()
    {
        _passScheduled = false;
        if (_starved.Count == 0)
        {
            _returned = 0;
            return;
        }

        if (ReceiveRing.Available == 0)
        {
            ReclaimHeldSlots();
        }

        int budget = Math.Max(1, _returned / SlotsPerRearm);
        _returned = 0;
        while (budget > 0 && _starved.Count > 0 && ReceiveRing.Available > 0)
        {
            UringReceiver receiver = _starved.Dequeue();
            receiver.InStarvedQueue = false;
            if (receiver.Arm(Loop))
            {
                budget--;
            }
        }
    }

    /// <summary>The ring is empty and receivers wait: compact the holders until half of the ring is free again.</summary>
    private void ReclaimHeldSlots()
    {
        int target = ReceiveRing.Count / 2;
        int visits = _holders.Count;
        while (visits-- > 0 && ReceiveRing.Available < target)
        {
            UringReceiver holder = _holders.Dequeue();
            holder.InHolderQueue = false;
            holder.CompactHeld();
        }
    }

    private sealed class RearmWork : RingWork
    {
        private readonly RingContext _context;

        public RearmWork(RingContext context) => _context = context;

        internal override void Execute(RingEventLoop loop, RingCommand command) => _context.RearmPass();
    }
}
