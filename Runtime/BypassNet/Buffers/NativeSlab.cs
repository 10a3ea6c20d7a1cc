using System.Runtime.InteropServices;

namespace BypassNet.Buffers;

/// <summary>
/// One block of page-aligned native memory, freed only after its owner and every holder have let go: every ring
/// registration, every receive ring and every send pool pins it (<see cref="Pin"/>) once, for itself and all its
/// leases, so the memory is never freed while a submission or a lease may still touch it.
/// </summary>
/// <remarks>
/// Pins are the SafeHandle's own count. They are taken when a ring or a pool starts and released when it has ended
/// and its last lease is back, never per lease: a lease costs no write to a line other rings share.
/// </remarks>
internal sealed unsafe class NativeSlab : SafeHandle
{
    private volatile bool _freed;

    public NativeSlab(nuint length) : base(IntPtr.Zero, ownsHandle: true)
    {
        nuint page = (nuint)Environment.SystemPageSize;
        Length = (length + page - 1) / page * page;
        void* memory = NativeMemory.AlignedAlloc(Length, page);
        // Zeroed so that nothing left over in the heap can ever be sent on the wire.
        NativeMemory.Clear(memory, Length);
        SetHandle((nint)memory);
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
        bool added = false;
        DangerousAddRef(ref added);
    }

    /// <summary>Releases one <see cref="Pin"/> (from any thread; it need not be the pinning one).</summary>
    public void Unpin() => DangerousRelease();

    protected override bool ReleaseHandle()
    {
        NativeMemory.AlignedFree((void*)handle);
        _freed = true;
        return true;
    }
}
