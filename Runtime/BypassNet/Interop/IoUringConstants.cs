namespace BypassNet.Interop;

/// <summary>io_uring ABI numbers from include/uapi/linux/io_uring.h (stable kernel ABI).</summary>
internal static class IoUringConstants
{
    // Syscall numbers are shared by x86_64 and arm64 (they were added after the tables were unified).
    internal const long SysSetup = 425;
    internal const long SysEnter = 426;
    internal const long SysRegister = 427;

    // Setup flags.
    internal const uint SetupCqSize = 1u << 3;
    internal const uint SetupClamp = 1u << 4;
    internal const uint SetupSubmitAll = 1u << 7;
    internal const uint SetupCoopTaskrun = 1u << 8;
    internal const uint SetupTaskrunFlag = 1u << 9;
    internal const uint SetupSingleIssuer = 1u << 12;
    internal const uint SetupDeferTaskrun = 1u << 13;

    // Features.
    internal const uint FeatSingleMmap = 1u << 0;
    internal const uint FeatNoDrop = 1u << 1;
    internal const uint FeatSubmitStable = 1u << 2;
    internal const uint FeatFastPoll = 1u << 5;
    internal const uint FeatExtArg = 1u << 8;
    internal const uint FeatMinTimeout = 1u << 15;

    // Enter flags.
    internal const uint EnterGetEvents = 1u << 0;
    internal const uint EnterExtArg = 1u << 3;

    // SQ ring flags.
    internal const uint SqNeedWakeup = 1u << 0;
    internal const uint SqCqOverflow = 1u << 1;
    internal const uint SqTaskrun = 1u << 2;

    // mmap offsets.
    internal const long OffSqRing = 0;
    internal const long OffCqRing = 0x8000000;
    internal const long OffSqes = 0x10000000;

    // SQE flags.
    internal const byte SqeFixedFile = 1 << 0;
    internal const byte SqeIoLink = 1 << 2;
    internal const byte SqeAsync = 1 << 4;
    internal const byte SqeBufferSelect = 1 << 5;
    internal const byte SqeCqeSkipSuccess = 1 << 6;

    // CQE flags.
    internal const uint CqeFBuffer = 1u << 0;
    internal const uint CqeFMore = 1u << 1;
    internal const uint CqeFSockNonEmpty = 1u << 2;
    internal const uint CqeFNotif = 1u << 3;
    internal const int CqeBufferShift = 16;

    // send/recv ioprio flags.
    internal const ushort RecvSendPollFirst = 1 << 0;
    internal const ushort RecvMultishot = 1 << 1;
    internal const ushort RecvSendFixedBuf = 1 << 2;
    internal const ushort SendZcReportUsage = 1 << 3;
    internal const ushort AcceptMultishot = 1 << 0;

    // res of a SEND_ZC notification when the kernel copied instead of pinning pages.
    internal const uint NotifUsageZcCopied = 1u << 31;

    // ASYNC_CANCEL flags.
    internal const uint AsyncCancelAll = 1u << 0;
    internal const uint AsyncCancelFd = 1u << 1;
    internal const uint AsyncCancelAny = 1u << 2;

    // Register opcodes.
    internal const uint RegisterBuffers = 0;
    internal const uint UnregisterBuffers = 1;
    internal const uint RegisterProbe = 8;
    internal const uint RegisterPbufRing = 22;
    internal const uint UnregisterPbufRing = 23;

    internal const ushort ProbeOpSupported = 1;

    // io_uring_buf_reg.flags: the kernel consumes provided buffers incrementally (6.12).
    internal const ushort PbufRingIncremental = 2;

    // MSG_NOSIGNAL: a send on a reset connection must return EPIPE, not kill the process.
    internal const uint MsgNoSignal = 0x4000;
    internal const uint MsgWaitAll = 0x100;
}

/// <summary>io_uring opcodes used or probed by BypassNet.</summary>
internal enum IoUringOpcode : byte
{
    Nop = 0,
    Timeout = 11,
    Accept = 13,
    AsyncCancel = 14,
    Connect = 16,
    Read = 22,
    Write = 23,
    Send = 26,
    Recv = 27,
    ProvideBuffers = 31,
    Shutdown = 34,
    MsgRing = 40,
    SendZc = 47,
}
