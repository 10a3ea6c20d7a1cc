using BypassNet.Interop;

namespace BypassNet.Ring;

/// <summary>Fills submission queue entries for the operations BypassNet issues, the way liburing's io_uring_prep_* do.</summary>
internal static class Sqe
{
    public static void Nop(ref IoUringSqe sqe, ulong userData)
    {
        sqe.Opcode = IoUringOpcode.Nop;
        sqe.UserData = userData;
    }

    public static void Read(ref IoUringSqe sqe, int fd, nint address, uint length, ulong userData)
    {
        sqe.Opcode = IoUringOpcode.Read;
        sqe.Fd = fd;
        sqe.Addr = (ulong)address;
        sqe.Len = length;
        sqe.Off = ulong.MaxValue; // -1: current position; eventfds have none.
        sqe.UserData = userData;
    }

    public static void Send(ref IoUringSqe sqe, int fd, nint address, uint length, ulong userData)
    {
        sqe.Opcode = IoUringOpcode.Send;
        sqe.Fd = fd;
        sqe.Addr = (ulong)address;
        sqe.Len = length;
        sqe.OpFlags = IoUringConstants.MsgNoSignal;
        sqe.UserData = userData;
    }

    /// <summary>Zero-copy send; with <paramref name="fixedBufferIndex"/> &gt;= 0 the address lies in that registered buffer.</summary>
    public static void SendZeroCopy(ref IoUringSqe sqe, int fd, nint address, uint length, int fixedBufferIndex, ulong userData)
    {
        sqe.Opcode = IoUringOpcode.SendZc;
        sqe.Fd = fd;
        sqe.Addr = (ulong)address;
        sqe.Len = length;
        sqe.OpFlags = IoUringConstants.MsgNoSignal;
        sqe.IoPrio = IoUringConstants.SendZcReportUsage;
        if (fixedBufferIndex >= 0)
        {
            sqe.IoPrio |= IoUringConstants.RecvSendFixedBuf;
            sqe.BufIndex = (ushort)fixedBufferIndex;
        }

        sqe.UserData = userData;
    }

    public static void Recv(ref IoUringSqe sqe, int fd, nint address, uint length, ulong userData)
    {
        sqe.Opcode = IoUringOpcode.Recv;
        sqe.Fd = fd;
        sqe.Addr = (ulong)address;
        sqe.Len = length;
        sqe.UserData = userData;
    }

    /// <summary>Multishot receive: the kernel picks a buffer from group <paramref name="bufferGroup"/> for every chunk.</summary>
    public static void RecvMultishot(ref IoUringSqe sqe, int fd, ushort bufferGroup, ulong userData)
    {
        sqe.Opcode = IoUringOpcode.Recv;
        sqe.Fd = fd;
        sqe.IoPrio = IoUringConstants.RecvMultishot;
        sqe.Flags = IoUringConstants.SqeBufferSelect;
        sqe.BufIndex = bufferGroup;
        sqe.UserData = userData;
    }

    public static void Accept(ref IoUringSqe sqe, int fd, bool multishot, ulong userData)
    {
        sqe.Opcode = IoUringOpcode.Accept;
        sqe.Fd = fd;
        sqe.OpFlags = 0x80000; // SOCK_CLOEXEC: accepted sockets never leak into child processes.
        sqe.IoPrio = multishot ? IoUringConstants.AcceptMultishot : (ushort)0;
        sqe.UserData = userData;
    }

    public static void Connect(ref IoUringSqe sqe, int fd, nint sockaddr, int sockaddrLength, ulong userData)
    {
        sqe.Opcode = IoUringOpcode.Connect;
        sqe.Fd = fd;
        sqe.Addr = (ulong)sockaddr;
        sqe.Off = (ulong)sockaddrLength;
        sqe.UserData = userData;
    }

    /// <summary>A relative timeout: completes with -ETIME once the interval in <paramref name="timespec"/> (a __kernel_timespec) has passed.</summary>
    public static void Timeout(ref IoUringSqe sqe, nint timespec, ulong userData)
    {
        sqe = default;
        sqe.Opcode = IoUringOpcode.Timeout;
        sqe.Fd = -1;
        sqe.Addr = (ulong)timespec;
        sqe.Len = 1;
        sqe.UserData = userData;
    }

    /// <summary>Cancels the request with <paramref name="targetUserData"/>; this SQE's own completion carries <paramref name="userData"/>.</summary>
    public static void Cancel(ref IoUringSqe sqe, ulong targetUserData, ulong userData)
    {
        sqe.Opcode = IoUringOpcode.AsyncCancel;
        sqe.Fd = -1;
        sqe.Addr = targetUserData;
        sqe.UserData = userData;
    }

    /// <summary>Cancels every request on the ring.</summary>
    public static void CancelAll(ref IoUringSqe sqe, ulong userData)
    {
        sqe.Opcode = IoUringOpcode.AsyncCancel;
        sqe.Fd = -1;
        sqe.OpFlags = IoUringConstants.AsyncCancelAny | IoUringConstants.AsyncCancelAll;
        sqe.UserData = userData;
    }

    /// <summary>Cancels every request naming descriptor <paramref name="fd"/>.</summary>
    public static void CancelFd(ref IoUringSqe sqe, int fd, ulong userData)
    {
        sqe.Opcode = IoUringOpcode.AsyncCancel;
        sqe.Fd = fd;
        sqe.OpFlags = IoUringConstants.AsyncCancelFd | IoUringConstants.AsyncCancelAll;
        sqe.UserData = userData;
    }
}
