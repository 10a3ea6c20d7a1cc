// partial only because [LibraryImport] generates the marshalling stubs into the other half.
using System.Runtime.InteropServices;

namespace BypassNet.Interop;

/// <summary>The few libc entry points BypassNet needs. No native library of our own: libc is always there.</summary>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    internal const int EINTR = 4;
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int EFAULT = 14;
    internal const int EBUSY = 16;
    internal const int EINVAL = 22;
    internal const int ENFILE = 23;
    internal const int EMFILE = 24;
    internal const int EPIPE = 32;
    internal const int ENOSYS = 38;
    internal const int ENOBUFS = 105;
    internal const int ENOTCONN = 107;
    internal const int ETIME = 62;
    internal const int ECONNRESET = 104;
    internal const int ECANCELED = 125;
    internal const int EPERM = 1;
    internal const int EBADF = 9;
    internal const int ENOENT = 2;
    internal const int EOPNOTSUPP = 95;
    internal const int EALREADY = 114;
    internal const int EINPROGRESS = 115;

    internal const int PROT_READ = 0x1;
    internal const int PROT_WRITE = 0x2;
    internal const int MAP_SHARED = 0x01;
    internal const int MAP_POPULATE = 0x08000;
    internal static readonly nint MAP_FAILED = -1;

    internal const int AF_UNIX = 1;
    internal const int SOCK_STREAM = 1;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int RLIMIT_MEMLOCK = 8;
    internal const ulong RLIM_INFINITY = ulong.MaxValue;

    internal const int EFD_CLOEXEC = 0x80000;
    internal const int EFD_NONBLOCK = 0x800;

    // The generic syscall(2) entry: io_uring has no glibc wrappers on Debian 12.
    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long Syscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int Munmap(nint address, nuint length);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "getrlimit", SetLastError = true)]
    internal static partial int GetRLimit(int resource, RLimit* limit);

    [LibraryImport(Library, EntryPoint = "socketpair", SetLastError = true)]
    internal static partial int SocketPair(int domain, int type, int protocol, int* fds);
    internal const int MSG_DONTWAIT = 0x40;
    internal const int MSG_NOSIGNAL = 0x4000;

    [LibraryImport(Library, EntryPoint = "send", SetLastError = true)]
    private static partial nint Send(int fd, void* buffer, nuint length, int flags);

    /// <summary>
    /// One non-blocking send(2) on the descriptor <paramref name="handle"/> owns, holding a reference on the handle
    /// so the descriptor cannot be closed (and its number reused) during the call. Returns the bytes sent, or -1 with
    /// <paramref name="errno"/> (EBADF when the handle is already closed).
    /// </summary>
    internal static int TrySend(SafeHandle handle, ReadOnlySpan<byte> data, out int errno)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            nint sent;
            fixed (byte* p = data)
            {
                sent = Send((int)handle.DangerousGetHandle(), p, (nuint)data.Length, MSG_DONTWAIT | MSG_NOSIGNAL);
            }

            errno = sent < 0 ? Marshal.GetLastPInvokeError() : 0;
            return (int)sent;
        }
        catch (ObjectDisposedException)
        {
            errno = EBADF;
            return -1;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }
}
