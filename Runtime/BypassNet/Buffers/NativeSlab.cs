using System.Runtime.InteropServices;

namespace BypassNet.Buffers;

/// <summary>
/// One block of page-aligned native memory. It is reference counted like any SafeHandle: every lease and every
/// ring registration holds a reference, so the memory is freed only after the last holder (including the kernel,
/// through the ring that owns a submission) has let go — never while a submission may still touch it.
/// </summary>
internal sealed unsafe class NativeSlab : SafeHandle
{
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

    /// <summary>Keeps the memory alive (for example while the kernel owns part of it) until <see cref="Unpin"/>.</summary>
    public void Pin()
    {
        bool added = false;
        DangerousAddRef(ref added);
    }

    public void Unpin() => DangerousRelease();

    protected override bool ReleaseHandle()
    {
        NativeMemory.AlignedFree((void*)handle);
        return true;
    }
}
