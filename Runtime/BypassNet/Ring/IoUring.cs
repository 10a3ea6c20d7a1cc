using BypassNet.Interop;

namespace BypassNet.Ring;

/// <summary>
/// One io_uring instance: its mapped submission and completion queues and the system calls on them.
/// Not thread-safe by design: exactly one thread (its event loop) submits and reaps.
/// </summary>
internal sealed unsafe class IoUring : IDisposable
{
    private readonly FileDescriptorHandle _fd;
    private readonly MappedRegionHandle _sqRegion;
    private readonly MappedRegionHandle? _cqRegion;
    private readonly MappedRegionHandle _sqeRegion;
    private readonly uint* _sqHead;
    private readonly uint* _sqTail;
    private readonly uint* _sqFlags;
    private readonly uint _sqMask;
    private readonly IoUringSqe* _sqes;
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint* _cqOverflow;
    private readonly uint _cqMask;
    private readonly IoUringCqe* _cqes;
    private uint _sqLocalTail;

    private IoUring(FileDescriptorHandle fd, in IoUringParams p, MappedRegionHandle sq, MappedRegionHandle? cq, MappedRegionHandle sqes)
    {
        _fd = fd;
        _sqRegion = sq;
        _cqRegion = cq;
        _sqeRegion = sqes;
        Features = p.Features;
        SetupFlags = p.Flags;
        SqEntries = p.SqEntries;
        CqEntries = p.CqEntries;

        byte* sqBase = sq.Pointer;
        byte* cqBase = cq is null ? sqBase : cq.Pointer;
        _sqHead = (uint*)(sqBase + p.SqOff.Head);
        _sqTail = (uint*)(sqBase + p.SqOff.Tail);
        _sqFlags = (uint*)(sqBase + p.SqOff.Flags);
        _sqMask = *(uint*)(sqBase + p.SqOff.RingMask);
        uint* array = (uint*)(sqBase + p.SqOff.Array);
        // Identity map the indirection array once, as liburing does; SQEs are then used in ring order.
        for (uint i = 0; i < p.SqEntries; i++)
        {
            array[i] = i;
        }

        _sqes = (IoUringSqe*)sqes.Pointer;
        _cqHead = (uint*)(cqBase + p.CqOff.Head);
        _cqTail = (uint*)(cqBase + p.CqOff.Tail);
        _cqOverflow = (uint*)(cqBase + p.CqOff.Overflow);
        _cqMask = *(uint*)(cqBase + p.CqOff.RingMask);
        _cqes = (IoUringCqe*)(cqBase + p.CqOff.Cqes);
        _sqLocalTail = *_sqTail;
    }

    public uint Features { get; }

    public uint SetupFlags { get; }

    public uint SqEntries { get; }

    public uint CqEntries { get; }

    public int Fd => _fd.Fd;

    /// <summary>io_uring_enter calls made on this ring (for syscalls-per-operation figures).</summary>
    public long EnterCalls { get; private set; }

    /// <summary>SQEs handed to the kernel.</summary>
    public long Submitted { get; private set; }

    /// <summary>True when the kernel is holding completions that did not fit the CQ (NODROP backlog).</summary>
    public bool HasOverflowBacklog => (Volatile.Read(ref *_sqFlags) & IoUringConstants.SqCqOverflow) != 0;

    /// <summary>
    /// True when completions wait in the CQ, or the kernel holds work only an enter runs (deferred task work, flagged
    /// with IORING_SETUP_TASKRUN_FLAG), or an overflow backlog: what a spinning loop watches without a system call.
    /// </summary>
    public bool HasWorkPending =>
        (Volatile.Read(ref *_sqFlags) & (IoUringConstants.SqTaskrun | IoUringConstants.SqCqOverflow)) != 0
        || Volatile.Read(ref *_cqTail) != *_cqHead;

    /// <summary>The kernel's count of completions dropped for lack of room; stays 0 with NODROP.</summary>
    public uint DroppedCompletions => Volatile.Read(ref *_cqOverflow);

    /// <summary>SQEs written but not yet consumed by the kernel.</summary>
    public uint PendingSubmissions => _sqLocalTail - Volatile.Read(ref *_sqHead);

    /// <summary>Creates a ring; returns 0 or -errno.</summary>
    public static int TryCreate(uint entries, uint cqEntries, uint flags, out IoUring? ring)
    {
        ring = null;
        IoUringParams p = default;
        p.Flags = flags;
        if (cqEntries != 0)
        {
            p.Flags |= IoUringConstants.SetupCqSize;
            p.CqEntries = cqEntries;
        }

        int fd = IoUringSyscalls.Setup(entries, &p);
        if (fd < 0)
        {
            return fd;
        }

        var handle = new FileDescriptorHandle(fd);
        MappedRegionHandle? sq = null, cq = null, sqes = null;
        try
        {
            nuint sqSize = p.SqOff.Array + p.SqEntries * sizeof(uint);
            nuint cqSize = p.CqOff.Cqes + p.CqEntries * (uint)sizeof(IoUringCqe);
            bool single = (p.Features & IoUringConstants.FeatSingleMmap) != 0;
            if (single)
            {
                sqSize = Math.Max(sqSize, cqSize);
            }

            int rc = MappedRegionHandle.TryMap(fd, sqSize, IoUringConstants.OffSqRing, out sq);
            if (rc == 0 && !single)
            {
                rc = MappedRegionHandle.TryMap(fd, cqSize, IoUringConstants.OffCqRing, out cq);
            }

            if (rc == 0)
            {
                rc = MappedRegionHandle.TryMap(fd, p.SqEntries * (nuint)sizeof(IoUringSqe), IoUringConstants.OffSqes, out sqes);
            }

            if (rc != 0)
            {
                sq?.Dispose();
                cq?.Dispose();
                sqes?.Dispose();
                handle.Dispose();
                return rc;
            }

            ring = new IoUring(handle, p, sq!, cq, sqes!);
            return 0;
        }
        catch
        {
            sq?.Dispose();
            cq?.Dispose();
            sqes?.Dispose();
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The next free SQE, zeroed, or a null reference when the SQ is full (submit first).
    /// The caller must fill it before the next submit.
    /// </summary>
    public ref IoUringSqe TryGetSqe()
    {
        uint head = Volatile.Read(ref *_sqHead);
        if (_sqLocalTail - head >= SqEntries)
        {
            return ref System.Runtime.CompilerServices.Unsafe.NullRef<IoUringSqe>();
        }

        IoUringSqe* sqe = &_sqes[_sqLocalTail & _sqMask];
        *sqe = default;
        _sqLocalTail++;
        return ref *sqe;
    }

    /// <summary>
    /// Publishes written SQEs and enters the kernel once: submits them and, with <paramref name="waitFor"/> &gt; 0,
    /// waits for that many completions. Always asks for events so deferred task work and the overflow backlog are
    /// flushed into the CQ. Returns SQEs consumed or -errno (EINTR, EBUSY when the CQ backlog is full: reap and retry).
    /// </summary>
    public int SubmitAndWait(uint waitFor)
    {
        // Store-release of the tail: the kernel must see the SQE contents before the new tail.
        Volatile.Write(ref *_sqTail, _sqLocalTail);
        uint toSubmit = _sqLocalTail - Volatile.Read(ref *_sqHead);
        EnterCalls++;
        int rc = IoUringSyscalls.Enter(Fd, toSubmit, waitFor, IoUringConstants.EnterGetEvents);
        if (rc > 0)
        {
            Submitted += rc;
        }

        return rc;
    }

    /// <summary>
    /// True when io_uring_enter takes a minimum wait (IORING_FEAT_MIN_TIMEOUT, Linux 6.12): wait for N completions,
    /// but once the minimum wait has passed return with whatever has arrived.
    /// </summary>
    public bool HasMinimumWait => (Features & (IoUringConstants.FeatExtArg | IoUringConstants.FeatMinTimeout)) == (IoUringConstants.FeatExtArg | IoUringConstants.FeatMinTimeout);

    /// <summary>
    /// Of the SQEs written but not yet consumed, the sends: on a connected socket with room in its send buffer (loopback,
    /// request/response) the kernel completes them during the submit itself, so their completions are already in the
    /// CQ when the wait starts. Counted so the wait can ask for one completion beyond them.
    /// </summary>
    public uint PendingSends()
    {
        uint count = 0;
        for (uint i = Volatile.Read(ref *_sqHead); i != _sqLocalTail; i++)
        {
            IoUringOpcode opcode = _sqes[i & _sqMask].Opcode;
            if (opcode is IoUringOpcode.Send or IoUringOpcode.SendZc)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// Like <see cref="SubmitAndWait(uint)"/>, but once <paramref name="minimumWaitMicroseconds"/> have passed the wait
    /// ends as soon as any completion is available, even if fewer than <paramref name="waitFor"/> arrived; with none
    /// it goes on until the first one or <paramref name="timeoutNanoseconds"/> (then -ETIME, reported only when nothing
    /// was submitted). Needs <see cref="HasMinimumWait"/>.
    /// </summary>
    public int SubmitAndWait(uint waitFor, uint minimumWaitMicroseconds, long timeoutNanoseconds)
    {
        Volatile.Write(ref *_sqTail, _sqLocalTail);
        uint toSubmit = _sqLocalTail - Volatile.Read(ref *_sqHead);
        EnterCalls++;
        KernelTimespec timeout = new() { Seconds = timeoutNanoseconds / 1_000_000_000, Nanoseconds = timeoutNanoseconds % 1_000_000_000 };
        IoUringGeteventsArg argument = new() { MinWaitMicroseconds = minimumWaitMicroseconds, Timespec = (ulong)&timeout };
        int rc = IoUringSyscalls.Enter(Fd, toSubmit, waitFor, IoUringConstants.EnterGetEvents | IoUringConstants.EnterExtArg, &argument);
        if (rc > 0)
        {
            Submitted += rc;
        }

        return rc;
    }

    /// <summary>Calls <paramref name="handler"/> for every available completion and frees their CQ slots. Returns the count.</summary>
    public int ReapCompletions<THandler>(ref THandler handler)
        where THandler : struct, ICompletionHandler
    {
        uint head = *_cqHead;
        // Load-acquire of the tail: CQE contents are visible once the tail is.
        uint tail = Volatile.Read(ref *_cqTail);
        int count = 0;
        while (head != tail)
        {
            IoUringCqe cqe = _cqes[head & _cqMask];
            head++;
            count++;
            // Free the slot before dispatch so a handler that submits never races the CQ for room.
            Volatile.Write(ref *_cqHead, head);
            handler.OnCompletion(cqe.UserData, cqe.Res, cqe.Flags);
        }

        return count;
    }

    /// <summary>Registers a buffer set or a buffer ring, etc.; returns the kernel's result or -errno.</summary>
    public int Register(uint opcode, void* argument, uint count) => IoUringSyscalls.Register(Fd, opcode, argument, count);

    public void Dispose()
    {
        _sqeRegion.Dispose();
        _cqRegion?.Dispose();
        _sqRegion.Dispose();
        _fd.Dispose();
    }
}
