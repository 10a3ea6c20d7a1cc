using System.Runtime.InteropServices;
using BypassNet.Interop;
using BypassNet.Ring;

namespace BypassNet.Buffers;

/// <summary>
/// A provided buffer ring (IORING_REGISTER_PBUF_RING): page-aligned slots of the shared slab that the kernel picks
/// from for multishot receives. A slot is either in the kernel's hands (on the ring) or leased to the program, never
/// both: returning a slot twice throws, and the tail is published with a store-release after the entry is written.
/// </summary>
internal sealed unsafe class ProvidedBufferRing : IBufferOwner, IDisposable
{
    private readonly RingEventLoop _loop;
    private readonly NativeSlab _slab;
    private readonly byte* _base;
    private readonly IoUringBuf* _entries;
    private readonly nuint _entriesBytes;
    private readonly bool[] _inKernel;
    private readonly object _lock = new();
    private readonly int _mask;
    private ushort _tail;
    private int _available;
    private bool _registered;
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
        _inKernel = new bool[count];
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

    /// <summary>Told after every slot that comes back (any thread); whoever waits for slots after ENOBUFS listens here.</summary>
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
        slab.Pin();
        lock (ring._lock)
        {
            for (int bid = 0; bid < count; bid++)
            {
                if (poison is not null)
                {
                    BufferPoison.Fill(ring.SlotPointer(bid), bufferSize);
                }

                ring.AddLocked(bid);
            }

            ring.PublishLocked();
        }

        return ring;
    }

    /// <summary>
    /// Marks slot <paramref name="bid"/> as taken out of the kernel's hands by a completion (loop thread).
    /// Throws if the kernel names a slot it does not have: that would mean two owners of one buffer.
    /// </summary>
    public void Take(int bid)
    {
        lock (_lock)
        {
            if ((uint)bid >= (uint)Count || !_inKernel[bid])
            {
                throw new InvalidOperationException($"The kernel completed into buffer {bid}, which was not on ring {Group}.");
            }

            _inKernel[bid] = false;
            _available--;
        }

        _slab.Pin();
    }

    /// <summary>A handle on the bytes of slot <paramref name="bid"/> starting at <paramref name="offset"/>; the lease owns the slot.</summary>
    public OwnedBuffer Lease(int bid, int offset, int length) =>
        new(this, bid, _base + (nint)bid * BufferSize + offset, BufferSize - offset, length);

    /// <summary>The received bytes of a slot this program holds (for copying out on the drop-in path).</summary>
    public ReadOnlySpan<byte> Bytes(int bid, int offset, int length) =>
        new(_base + (nint)bid * BufferSize + offset, length);

    /// <summary>
    /// With poisoning on, checks slot <paramref name="bid"/> just taken with <paramref name="received"/> bytes: the kernel
    /// wrote [0, received), so everything after it must still be poison. Returns the (logged) corruption, or null.
    /// </summary>
    public BufferCorruptionException? CheckPoison(int bid, int received) =>
        _poison?.Verify(bid, SlotPointer(bid), Math.Clamp(received, 0, BufferSize), BufferSize);

    /// <summary>Puts slot <paramref name="slot"/> back on the ring. Called from any thread, once per lease.</summary>
    public void Return(int slot)
    {
        lock (_lock)
        {
            if (_registered)
            {
                if (_inKernel[slot])
                {
                    throw new InvalidOperationException($"Buffer {slot} was returned to ring {Group} twice.");
                }

                if (_poison is not null)
                {
                    BufferPoison.Fill(SlotPointer(slot), BufferSize);
                }

                AddLocked(slot);
                PublishLocked();
            }
        }

        _slab.Unpin();
        ReturnListener?.OnReturned();
    }

    /// <summary>Unregisters the ring (loop thread, after the last receive completed). Leases still out simply unpin on return.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (!_registered)
            {
                return;
            }

            _registered = false;
            IoUringBufReg reg = default;
            reg.Bgid = Group;
            _loop.Register(IoUringConstants.UnregisterPbufRing, &reg, 1);
            NativeMemory.AlignedFree(_entries);
        }

        _slab.Unpin();
    }

    private byte* SlotPointer(int bid) => _base + (nint)bid * BufferSize;

    private void AddLocked(int bid)
    {
        IoUringBuf* entry = &_entries[_tail & _mask];
        entry->Addr = (ulong)(_base + (nint)bid * BufferSize);
        entry->Len = (uint)BufferSize;
        entry->Bid = (ushort)bid;
        _tail++;
        _inKernel[bid] = true;
        _available++;
    }

    private void PublishLocked()
    {
        // The tail shares memory with entry 0's reserved field; the kernel loads it with acquire semantics.
        Volatile.Write(ref _entries[0].Resv, _tail);
    }
}
