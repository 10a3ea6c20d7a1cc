using System.Runtime.InteropServices;

namespace BypassNet.Interop;

/// <summary>
/// Raw io_uring system calls. Each returns the kernel's result: a non-negative value, or <c>-errno</c>,
/// so callers never read errno after another P/Invoke may have overwritten it.
/// </summary>
internal static unsafe class IoUringSyscalls
{
    internal static int Setup(uint entries, IoUringParams* parameters) =>
        Result(Libc.Syscall(IoUringConstants.SysSetup, (nint)entries, (nint)parameters, 0, 0, 0, 0));

    internal static int Enter(int ringFd, uint toSubmit, uint minComplete, uint flags) =>
        Result(Libc.Syscall(IoUringConstants.SysEnter, ringFd, (nint)toSubmit, (nint)minComplete, (nint)flags, 0, 0));

    internal static int Register(int ringFd, uint opcode, void* argument, uint count) =>
        Result(Libc.Syscall(IoUringConstants.SysRegister, ringFd, (nint)opcode, (nint)argument, (nint)count, 0, 0));

    private static int Result(long value) => value < 0 ? -Marshal.GetLastPInvokeError() : (int)value;
}
