using System.Runtime.InteropServices;

namespace BypassNet.Interop;

/// <summary>Owns a file descriptor (an io_uring instance or an eventfd) and closes it exactly once.</summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle(int fd) : base(new IntPtr(-1), ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle.ToInt64() < 0;

    public int Fd => handle.ToInt32();

    protected override bool ReleaseHandle() => Libc.Close(handle.ToInt32()) == 0;
}
