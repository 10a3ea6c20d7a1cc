using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using BypassNet.Interop;
using BypassNet.Ring;

namespace BypassNet.Buffers;

/// <summary>
/// A provided buffer ring (IORING_REGISTER_PBUF_RING): page-aligned slots of the shared slab that the kernel picks
/// from for multishot receives. A slot is either in the kernel's hands (on the ring) or leased to the program, never
/// both: returning a slot twice throws, and the tail is published with a store-release after the entry is written.
/// The ring's thread is the only writer of the ring: a slot returned from another thread goes through a lock-free
/// queue that the ring thread drains, so no user thread ever takes a lock here and whoever waits for slots is told on
/// the ring thread, where the starvation state lives. The drain rides on the ring's next receive completion
/// (<see cref="DrainDeferredReturns"/>) instead of waking a sleeping ring for every burst: a wake is an eventfd write
/// and an extra io_uring_enter per request for a server whose responses are sent from the thread pool. A ring running
/// low is woken at once, and a timer bounds the wait: about a millisecond on a ring that has not drained lately, ten
/// on one whose receives are draining the queue anyway (so a busy ring does not wake the timer thread every
/// millisecond).
/// <para>
/// The ring keeps the slab alive with one pin of its own, not one per slot: <see cref="_holds"/> counts the
/// registration plus every slot taken and not yet back, and the last of them to go unpins. While the ring is registered
/// only its thread changes that count (other threads' returns go through the queue), so a lease costs no atomic and
/// no cross-ring line; once unregistered, the leases still out release their holds atomically from any thread.
/// </para>
/// </summary>
internal sealed unsafe class ProvidedBufferRing : IBufferOwner, IDisposable
{
    private readonly RingEventLoop _loop;
    private readonly NativeSlab _slab;
    private readonly byte* _base;
    private readonly IoUringBuf* _entries;
    private readonly nuint _entriesBytes;
    private const int InKernel = 0;
    private const int Held = 1;
    private const int Returning = 2;
    private const int IdleDrainDelayMilliseconds = 1;
    private const int BusyDrainDelayMilliseconds = 10;

    private readonly int[] _state;

    // One reusable handle core per slot, made on the slot's first lease.
    private readonly BufferCore?[] _cores;
    private readonly ConcurrentQueue<int> _returns = new();
    private readonly DrainWork _drain;
    private readonly Timer _drainTimer;
    private readonly int _mask;
    private ushort _tail;
    private int _available;
    private int _drainScheduled;
    private int _drainTimerArmed;
    private long _lastDrainTick;

    // 1 for the registration + slots taken and not yet back; the slab pin is released when it reaches 0. Plain
    // writes by the ring thread while registered, Interlocked by anyone after (see the class remarks).
    private int _holds;
    private volatile bool _registered;
    private BufferPoison? _poison;

    private ProvidedBufferRing(RingEventLoop loop, NativeSlab slab, nuint offset, int bufferSize, int count, ushort group)
    {
        _loop = loop;
        _slab = slab;
        _base = slab.Pointer + offset;
        BufferSize = bufferSize;
        Count = count;
        Group = group;
        _mask = count - 1;
        _state = new int[count];
        _cores = new BufferCore?[count];
        _drain = new DrainWork(this);
        _drainTimer = new Timer(static state => ((ProvidedBufferRing)state!).OnDrainTimer(), this, Timeout.Infinite, Timeout.Infinite);
        nuint page = (nuint)Environment.SystemPageSize;
        _entriesBytes = ((nuint)count * (nuint)sizeof(IoUringBuf) + page - 1) / page * page;
        _entries = (IoUringBuf*)NativeMemory.AlignedAlloc(_entriesBytes, page);
        NativeMemory.Clear(_entries, _entriesBytes);
    }

    public ushort Group { get; }

    public int BufferSize { get; }

    public int Count { get; }

    /// <summary>Slots currently on the ring for the kernel to fill.</summary>
    public int Available => Volatile.Read(ref _available);

    /// <summary>Told (ring thread) after slots came back; whoever waits for slots after ENOBUFS listens here.</summary>
    public IBufferReturnListener? ReturnListener { get; set; }

    /// <summary>
    /// Creates and registers the ring on <paramref name="loop"/>'s thread; null (and a log line) when the kernel refuses.
    /// With a <paramref name="poison"/> (<see cref="BypassNetOptions.PoisonBuffers"/>), slots are poisoned when they go
    /// back on the ring and checked by <see cref="CheckPoison"/>.
    /// </summary>
    public static ProvidedBufferRing? TryCreate(RingEventLoop loop, NativeSlab slab, nuint offset, int bufferSize, int count, ushort group, BufferPoison? poison = null)
    {
        if (count <= 0 || (count & (count - 1)) != 0 || count > 32768)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "A buffer ring needs a power-of-two count up to 32768.");
        }

        var ring = new ProvidedBufferRing(loop, slab, offset, bufferSize, count, group);
        IoUringBufReg reg = default;
        reg.RingAddr = (ulong)ring._entries;
        reg.RingEntries = (uint)count;
        reg.Bgid = group;
        int rc = loop.Register(IoUringConstants.RegisterPbufRing, &reg, 1);
        if (rc < 0)
        {
            Diagnostics.Log.BufferRingUnavailable(loop.Logger, loop.Index, -rc);
            NativeMemory.AlignedFree(ring._entries);
            return null;
        }

        ring._registered = true;
        ring._poison = poison;
        ring._holds = 1;
        slab.Pin();
        for (int bid = 0; bid < count; bid++)
        {
            if (poison is not null)
            {
                BufferPoison.Fill(ring.SlotPointer(bid), bufferSize);
            }

            ring.Add(bid);
        }

        ring.Publish();
        return ring;
    }

    /// <summary>
    /// Marks slot <paramref name="bid"/> as taken out of the kernel's hands by a completion (loop thread).
    /// Throws if the kernel names a slot it does not have: that would mean two owners of one buffer.
    /// </summary>
    public void Take(int bid)
    {
        if ((uint)bid >= (uint)Count || _state[bid] != InKernel)
        {
            throw new InvalidOperationException($"The kernel completed into buffer {bid}, which was not on ring {Group}.");
        }

        Volatile.Write(ref _state[bid], Held);
        Volatile.Write(ref _available, _available - 1);
        // Only while registered (receives complete only then), on the ring thread: no other writer yet.
        _holds++;
    }

    /// <summary>A handle on the bytes of slot <paramref name="bid"/> starting at <paramref name="offset"/>; the lease owns the slot.</summary>
    public OwnedBuffer Lease(int bid, int offset, int length)
    {
        // The slot is held by this program (taken from the kernel, not yet returned), so its core is free to lease.
        BufferCore core = _cores[bid] ??= new BufferCore(this, bid);
        return new OwnedBuffer(core, core.Begin(_base + (nint)bid * BufferSize + offset, BufferSize - offset, length));
    }

    /// <summary>The received bytes of a slot this program holds (for copying out on the drop-in path).</summary>
    public ReadOnlySpan<byte> Bytes(int bid, int offset, int length) =>
        new(_base + (nint)bid * BufferSize + offset, length);

    /// <summary>
    /// With poisoning on, checks slot <paramref name="bid"/> just taken with <paramref name="received"/> bytes: the kernel
    /// wrote [0, received), so everything after it must still be poison. Returns the (logged) corruption, or null.
    /// </summary>
    public BufferCorruptionException? CheckPoison(int bid, int received) =>
        _poison?.Verify(bid, SlotPointer(bid), Math.Clamp(received, 0, BufferSize), BufferSize);

    /// <summary>
    /// Puts slot <paramref name="slot"/> back on the ring. Called from any thread, once per lease: on the ring thread it
    /// goes back at once, elsewhere it is queued for the ring thread. A second return of the same slot throws here, in
    /// the caller.
    /// </summary>
    public void Return(int slot)
    {
        if ((uint)slot >= (uint)Count || Interlocked.CompareExchange(ref _state[slot], Returning, Held) != Held)
        {
            throw new InvalidOperationException($"Buffer {slot} was returned to ring {Group} twice.");
        }

        if (_poison is not null)
        {
            // The slot is ours until it is on the ring: poison it here, off the ring thread when returned from elsewhere.
            BufferPoison.Fill(SlotPointer(slot), BufferSize);
        }

        if (_loop.IsCurrentThread)
        {
            if (!_registered)
            {
                ReleaseHold();
                return;
            }

            PutBack(slot);
            Publish();
            ReturnListener?.OnReturned(1);
            return;
        }

        _returns.Enqueue(slot);
        // Pairs with the fence in Dispose: either Dispose sees this slot in the queue, or this sees it unregistered.
        Interlocked.MemoryBarrier();
        if (!_registered)
        {
            DrainDetached();
        }
        else if (Interlocked.Exchange(ref _drainScheduled, 1) == 0)
        {
            if (Available < Count / 4)
            {
                // Running low: receivers may be starving, the slots go back now.
                _loop.Post(_drain, RingCommand.Custom);
            }
            else if (Interlocked.Exchange(ref _drainTimerArmed, 1) == 0)
            {
                ArmDrainTimer();
            }
        }
    }

    /// <summary>Puts back the slots other threads returned since the last drain, if any (ring thread, after a receive completion).</summary>
    public void DrainDeferredReturns()
    {
        if (Volatile.Read(ref _drainScheduled) != 0)
        {
            DrainReturns();
        }
    }

    /// <summary>Unregisters the ring (loop thread, after the last receive completed). Leases still out release their holds on return.</summary>
    public void Dispose()
    {
        if (!_registered)
        {
            return;
        }

        _registered = false;
        Interlocked.MemoryBarrier();
        _drainTimer.Dispose();
        IoUringBufReg reg = default;
        reg.Bgid = Group;
        _loop.Register(IoUringConstants.UnregisterPbufRing, &reg, 1);
        NativeMemory.AlignedFree(_entries);
        DrainDetached();
        ReleaseHold();
    }

    private byte* SlotPointer(int bid) => _base + (nint)bid * BufferSize;

    private void ArmDrainTimer()
    {
        // Environment.TickCount64 has millisecond steps: "drained within the last 2 ms" means receives are flowing.
        int delay = Environment.TickCount64 - Volatile.Read(ref _lastDrainTick) <= 2 ? BusyDrainDelayMilliseconds : IdleDrainDelayMilliseconds;
        try
        {
            _drainTimer.Change(delay, Timeout.Infinite);
        }
        catch (ObjectDisposedException)
        {
            // Unregistered meanwhile: Dispose drains what was queued before it (see the fence in Return).
        }
    }

    /// <summary>The ring received nothing for a while: slots still queued go back through a posted drain (which wakes it).</summary>
    private void OnDrainTimer()
    {
        // Cleared first: a return racing this either sees it cleared and re-arms, or is seen pending below.
        Volatile.Write(ref _drainTimerArmed, 0);
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _drainScheduled) != 0)
        {
            _loop.Post(_drain, RingCommand.Custom);
        }
    }

    /// <summary>Puts every slot returned from other threads back (ring thread), then tells the listener once.</summary>
    private void DrainReturns()
    {
        // Cleared first: a return queued after this point schedules the next drain, so none is left waiting.
        Volatile.Write(ref _drainScheduled, 0);
        if (!_registered)
        {
            DrainDetached();
            return;
        }

        Volatile.Write(ref _lastDrainTick, Environment.TickCount64);
        int count = 0;
        while (_returns.TryDequeue(out int slot))
        {
            PutBack(slot);
            count++;
        }

        if (count > 0)
        {
            Publish();
            ReturnListener?.OnReturned(count);
        }
    }

    /// <summary>After unregistration, returned slots only release their hold on the slab.</summary>
    private void DrainDetached()
    {
        while (_returns.TryDequeue(out _))
        {
            ReleaseHold();
        }
    }

    /// <summary>A returned slot goes back on the ring (ring thread, registered: see the class remarks).</summary>
    private void PutBack(int slot)
    {
        Add(slot);
        _holds--;
    }

    /// <summary>Releases one hold after unregistration (any thread); the last one unpins the slab.</summary>
    private void ReleaseHold()
    {
        if (Interlocked.Decrement(ref _holds) == 0)
        {
            _slab.Unpin();
        }
    }

    private void Add(int bid)
    {
        IoUringBuf* entry = &_entries[_tail & _mask];
        entry->Addr = (ulong)(_base + (nint)bid * BufferSize);
        entry->Len = (uint)BufferSize;
        entry->Bid = (ushort)bid;
        _tail++;
        Volatile.Write(ref _state[bid], InKernel);
        Volatile.Write(ref _available, _available + 1);
    }

    private void Publish()
    {
        // The tail shares memory with entry 0's reserved field; the kernel loads it with acquire semantics.
        Volatile.Write(ref _entries[0].Resv, _tail);
    }

    private sealed class DrainWork : RingWork
    {
        private readonly ProvidedBufferRing _ring;

        public DrainWork(ProvidedBufferRing ring) => _ring = ring;

        internal override void Execute(RingEventLoop loop, RingCommand command) => _ring.DrainReturns();
    }
}
