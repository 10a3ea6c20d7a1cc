using System.Runtime.InteropServices;

namespace BypassNet.Interop;

// Blittable mirrors of the kernel's io_uring structs. Sizes are asserted by tests against the ABI.

[StructLayout(LayoutKind.Sequential)]
internal struct IoSqringOffsets
{
    public uint Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, Resv1;
    public ulong UserAddr;
}

[StructLayout(LayoutKind.Sequential)]
internal struct IoCqringOffsets
{
    public uint Head, Tail, RingMask, RingEntries, Overflow, Cqes, Flags, Resv1;
    public ulong UserAddr;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoUringParams
{
    public uint SqEntries;
    public uint CqEntries;
    public uint Flags;
    public uint SqThreadCpu;
    public uint SqThreadIdle;
    public uint Features;
    public uint WqFd;
    public fixed uint Resv[3];
    public IoSqringOffsets SqOff;
    public IoCqringOffsets CqOff;
}

/// <summary>A 64-byte submission queue entry; unions are flattened to the member names BypassNet uses.</summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct IoUringSqe
{
    [FieldOffset(0)] public IoUringOpcode Opcode;
    [FieldOffset(1)] public byte Flags;
    [FieldOffset(2)] public ushort IoPrio;
    [FieldOffset(4)] public int Fd;
    [FieldOffset(8)] public ulong Off;          // also addr2
    [FieldOffset(16)] public ulong Addr;        // also splice_off_in
    [FieldOffset(24)] public uint Len;
    [FieldOffset(28)] public uint OpFlags;      // msg_flags, accept_flags, cancel_flags, ...
    [FieldOffset(32)] public ulong UserData;
    [FieldOffset(40)] public ushort BufIndex;   // also buf_group
    [FieldOffset(42)] public ushort Personality;
    [FieldOffset(44)] public int SpliceFdIn;    // also file_index, addr_len
    [FieldOffset(48)] public ulong Addr3;
    [FieldOffset(56)] public ulong Pad2;
}

[StructLayout(LayoutKind.Sequential)]
internal struct IoUringCqe
{
    public ulong UserData;
    public int Res;
    public uint Flags;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoUringBufReg
{
    public ulong RingAddr;
    public uint RingEntries;
    public ushort Bgid;
    public ushort Flags;
    public fixed ulong Resv[3];
}

/// <summary>One provided-buffer ring entry; the ring's tail lives in the first entry's <see cref="Resv"/>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoUringBuf
{
    public ulong Addr;
    public uint Len;
    public ushort Bid;
    public ushort Resv;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoUringProbeHeader
{
    public byte LastOp;
    public byte OpsLen;
    public ushort Resv;
    public fixed uint Resv2[3];
}

[StructLayout(LayoutKind.Sequential)]
internal struct IoUringProbeOp
{
    public byte Op;
    public byte Resv;
    public ushort Flags;
    public uint Resv2;
}

/// <summary>struct io_uring_getevents_arg: what io_uring_enter reads with IORING_ENTER_EXT_ARG (a wait timeout).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoUringGeteventsArg
{
    public ulong Sigmask;
    public uint SigmaskSize;
    public uint MinWaitMicroseconds;
    public ulong Timespec;
}

/// <summary>struct __kernel_timespec.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KernelTimespec
{
    public long Seconds;
    public long Nanoseconds;
}

[StructLayout(LayoutKind.Sequential)]
internal struct IoVec
{
    public nint Base;
    public nuint Length;
}
