using System.Runtime.InteropServices;

namespace BypassNet.Buffers;

/// <summary>
/// One block of page-aligned native memory, freed only after its owner and every holder have let go: every send-pool
/// lease, every ring registration and every receive ring (one pin for itself and all its leases) pins it
/// (<see cref="Pin"/>), so the memory is never freed while a submission or a lease may still touch it.
/// </summary>
/// <remarks>
/// Send-pool leases are taken and returned from any thread, on every send, so the pins are counted per processor (like
/// the kernel's percpu_ref) rather than on the SafeHandle's one shared count: a pin is one uncontended compare-exchange
/// on a line no other core writes. Disposing switches to the shared count for good: each stripe is swapped for a
/// dead mark under <see cref="_transfer"/>, what it held becomes references on the SafeHandle, and from then on pins
/// and unpins go straight to the SafeHandle (so a pin after the memory was freed throws ObjectDisposedException).
/// </remarks>
internal sealed unsafe class NativeSlab : SafeHandle
{
    private const long Dead = long.MinValue;
    private readonly Stripe[] _stripes;
    private readonly Lock _transfer = new();
    private volatile bool _shared;
    private volatile bool _freed;

    public NativeSlab(nuint length) : base(IntPtr.Zero, ownsHandle: true)
    {
        nuint page = (nuint)Environment.SystemPageSize;
        Length = (length + page - 1) / page * page;
        void* memory = NativeMemory.AlignedAlloc(Length, page);
        // Zeroed so that nothing left over in the heap can ever be sent on the wire.
        NativeMemory.Clear(memory, Length);
        SetHandle((nint)memory);
        _stripes = new Stripe[Math.Clamp(Environment.ProcessorCount, 1, 64)];
    }

    public nuint Length { get; }

    public byte* Pointer => (byte*)handle;

    public nint Address => handle;

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>True once the memory has been freed (the owner and every pin let go).</summary>
    public bool IsFreed => _freed;

    /// <summary>Keeps the memory alive (for example while the kernel owns part of it) until <see cref="Unpin"/>.</summary>
    /// <exception cref="ObjectDisposedException">The slab was disposed and its memory freed.</exception>
    public void Pin()
    {
        if (!_shared && TryAdd(1))
        {
            return;
        }

        lock (_transfer)
        {
            bool added = false;
            DangerousAddRef(ref added);
        }
    }

    /// <summary>Releases one <see cref="Pin"/> (from any thread; it need not be the pinning one).</summary>
    public void Unpin()
    {
        if (!_shared && TryAdd(-1))
        {
            return;
        }

        lock (_transfer)
        {
            DangerousRelease();
        }
    }

    protected override void Dispose(bool disposing)
    {
        ShareCount();
        base.Dispose(disposing);
    }

    protected override bool ReleaseHandle()
    {
        NativeMemory.AlignedFree((void*)handle);
        _freed = true;
        return true;
    }

    /// <summary>Adds to this processor's stripe; false once the stripes are dead (disposing): use the shared count.</summary>
    private bool TryAdd(long delta)
    {
        // A stripe may go negative (pinned on one core, unpinned on another); only the sum means anything.
        ref long count = ref _stripes[(uint)Thread.GetCurrentProcessorId() % (uint)_stripes.Length].Count;
        while (true)
        {
            long seen = Volatile.Read(ref count);
            if (seen == Dead)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref count, seen + delta, seen) == seen)
            {
                return true;
            }
        }
    }

    /// <summary>Moves every stripe's pins onto the SafeHandle's count, once; later pins and unpins wait for it to finish.</summary>
    private void ShareCount()
    {
        lock (_transfer)
        {
            if (_shared)
            {
                return;
            }

            _shared = true;
            long held = 0;
            for (int i = 0; i < _stripes.Length; i++)
            {
                held += Interlocked.Exchange(ref _stripes[i].Count, Dead);
            }

            // Every unpin of a stripe pin before this point was a stripe unpin too, so the sum is what is still held.
            for (long i = 0; i < held; i++)
            {
                bool added = false;
                DangerousAddRef(ref added);
            }
        }
    }

    /// <summary>One processor's count, alone on its cache lines (128 bytes: adjacent-line prefetch pairs lines).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Stripe
    {
        [FieldOffset(0)]
        public long Count;
    }
}
