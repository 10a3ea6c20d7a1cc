using System.Runtime.CompilerServices;
using BypassNet.Interop;

namespace BypassNet.Tests.Interop;

/// <summary>The blittable mirrors must match the kernel ABI byte for byte (include/uapi/linux/io_uring.h).</summary>
public sealed class AbiLayoutTests
{
    [Fact]
    public void Struct_sizes_match_the_kernel_abi()
    {
        Assert.Equal(64, Unsafe.SizeOf<IoUringSqe>());
        Assert.Equal(16, Unsafe.SizeOf<IoUringCqe>());
        Assert.Equal(120, Unsafe.SizeOf<IoUringParams>());
        Assert.Equal(40, Unsafe.SizeOf<IoSqringOffsets>());
        Assert.Equal(40, Unsafe.SizeOf<IoCqringOffsets>());
        Assert.Equal(40, Unsafe.SizeOf<IoUringBufReg>());
        Assert.Equal(16, Unsafe.SizeOf<IoUringBuf>());
        Assert.Equal(16, Unsafe.SizeOf<IoUringProbeHeader>());
        Assert.Equal(8, Unsafe.SizeOf<IoUringProbeOp>());
        Assert.Equal(16, Unsafe.SizeOf<IoVec>());
    }

    [Fact]
    public unsafe void Sqe_fields_sit_at_kernel_offsets()
    {
        IoUringSqe sqe = default;
        byte* b = (byte*)&sqe;
        Assert.Equal(0, (byte*)&sqe.Opcode - b);
        Assert.Equal(1, (byte*)&sqe.Flags - b);
        Assert.Equal(2, (byte*)&sqe.IoPrio - b);
        Assert.Equal(4, (byte*)&sqe.Fd - b);
        Assert.Equal(8, (byte*)&sqe.Off - b);
        Assert.Equal(16, (byte*)&sqe.Addr - b);
        Assert.Equal(24, (byte*)&sqe.Len - b);
        Assert.Equal(28, (byte*)&sqe.OpFlags - b);
        Assert.Equal(32, (byte*)&sqe.UserData - b);
        Assert.Equal(40, (byte*)&sqe.BufIndex - b);
        Assert.Equal(44, (byte*)&sqe.SpliceFdIn - b);
        Assert.Equal(48, (byte*)&sqe.Addr3 - b);
    }

    [Fact]
    public unsafe void Params_offsets_sit_where_the_kernel_writes_them()
    {
        IoUringParams p = default;
        byte* b = (byte*)&p;
        Assert.Equal(20, (byte*)&p.Features - b);
        Assert.Equal(40, (byte*)&p.SqOff - b);
        Assert.Equal(80, (byte*)&p.CqOff - b);
    }

    [Fact]
    public unsafe void Buffer_ring_tail_aliases_the_first_entry_reserved_field()
    {
        // The kernel reads the tail at offset 14 of the ring (struct io_uring_buf_ring's union).
        IoUringBuf entry = default;
        Assert.Equal(14, (byte*)&entry.Resv - (byte*)&entry);
    }
}
