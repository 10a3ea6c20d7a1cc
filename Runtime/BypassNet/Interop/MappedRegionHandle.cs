using System.Runtime.InteropServices;

namespace BypassNet.Interop;

/// <summary>Owns one mmap'd region of an io_uring instance (SQ ring, CQ ring or SQE array) and unmaps it once.</summary>
internal sealed unsafe class MappedRegionHandle : SafeHandle
{
    private readonly nuint _length;

    private MappedRegionHandle(nint address, nuint length) : base(IntPtr.Zero, ownsHandle: true)
    {
        _length = length;
        SetHandle(address);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public byte* Pointer => (byte*)handle;

    public nuint Length => _length;

    /// <summary>Maps <paramref name="length"/> bytes of the ring at <paramref name="offset"/>; returns -errno on failure.</summary>
    public static int TryMap(int ringFd, nuint length, long offset, out MappedRegionHandle? region)
    {
        nint address = Libc.Mmap(0, length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE, ringFd, offset);
        if (address == Libc.MAP_FAILED)
        {
            region = null;
            return -Marshal.GetLastPInvokeError();
        }

        region = new MappedRegionHandle(address, length);
        return 0;
    }

    protected override bool ReleaseHandle() => Libc.Munmap(handle, _length) == 0;
}
