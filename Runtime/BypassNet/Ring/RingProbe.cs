// Over 300 lines on purpose: each feature is probed by a small real request on one probe ring, and the requests share
// that ring, its completion reaping and the rule that memory a request named is never freed if it did not settle.
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using BypassNet.Interop;

namespace BypassNet.Ring;

/// <summary>
/// Finds out whether io_uring can be used and with which features. Opcodes come from IORING_REGISTER_PROBE; flags the
/// probe cannot show (cancel flags, multishot, SEND_ZC usage reports, incremental buffer rings) are tried for real on
/// a small probe ring, where a kernel without them answers EINVAL.
/// </summary>
internal static unsafe class RingProbe
{
    private const uint ProbeOps = 256;
    private const ulong ProbeUserData = 0x5052_4f42;
    private const ulong CancelUserData = 0x5052_4f43;
    private const ushort IncrementalGroup = 1;
    private static readonly TimeSpan CompletionWait = TimeSpan.FromSeconds(2);

    // One byte that a probe SEND_ZC may name. Never freed: a send the kernel accepted could still read it after the probe ring is gone.
    private static readonly nint s_sendByte = (nint)NativeMemory.AllocZeroed(1);

    /// <summary>Probes the kernel. Returns null and a reason when no ring can be created at all.</summary>
    public static Capabilities? Probe(out string? unavailableReason)
    {
        unavailableReason = null;
        if (!OperatingSystem.IsLinux())
        {
            unavailableReason = $"io_uring needs Linux; this is {RuntimeInformation.OSDescription}";
            return null;
        }

        string disabled = ProcessLimits.IoUringDisabledSysctl();
        if (disabled == "2")
        {
            unavailableReason = $"io_uring is disabled by sysctl kernel.io_uring_disabled=2 (kernel {KernelRelease()})";
            return null;
        }

        // TASKRUN_FLAG: the kernel flags deferred work in the SQ ring, so a spinning loop sees it without a system call.
        uint setupFlags = IoUringConstants.SetupSingleIssuer | IoUringConstants.SetupDeferTaskrun | IoUringConstants.SetupTaskrunFlag | IoUringConstants.SetupSubmitAll;
        int rc = IoUring.TryCreate(8, 0, setupFlags, out IoUring? ring);
        if (rc == -Libc.EINVAL)
        {
            // Older kernels: cooperative task running is the next best thing.
            setupFlags = IoUringConstants.SetupCoopTaskrun | IoUringConstants.SetupTaskrunFlag | IoUringConstants.SetupSubmitAll;
            rc = IoUring.TryCreate(8, 0, setupFlags, out ring);
        }

        if (rc == -Libc.EINVAL)
        {
            setupFlags = 0;
            rc = IoUring.TryCreate(8, 0, setupFlags, out ring);
        }

        if (rc < 0 || ring is null)
        {
            unavailableReason = DescribeSetupFailure(-rc);
            return null;
        }

        var details = new Dictionary<IoUringFeatures, string>();
        IoUringFeatures features = IoUringFeatures.FixedBuffers;
        using (ring)
        {
            if ((ring.Features & IoUringConstants.FeatNoDrop) != 0)
            {
                features |= IoUringFeatures.NoDrop;
            }

            if ((setupFlags & IoUringConstants.SetupDeferTaskrun) != 0)
            {
                features |= IoUringFeatures.DeferTaskrun;
            }

            features |= ProbeOpcodes(ring, details, out bool sendZc);
            if ((features & IoUringFeatures.SocketOpcodes) != 0)
            {
                features |= ProbeFlags(ring, sendZc, details);
            }
        }

        return new Capabilities(KernelRelease(), features, ring.Features, setupFlags, details);
    }

    internal static string KernelRelease() => ProcessLimits.KernelRelease();

    /// <summary>A setup failure in words that name the cause: seccomp, the sysctl, memlock (with its value), the kernel.</summary>
    internal static string DescribeSetupFailure(int errno)
    {
        string kernel = KernelRelease();
        string disabledSysctl = ProcessLimits.IoUringDisabledSysctl();
        int seccomp = ProcessLimits.SeccompMode();
        return errno switch
        {
            Libc.ENOSYS => $"io_uring_setup is not implemented by kernel {kernel} (ENOSYS)",
            Libc.EPERM when disabledSysctl == "1" =>
                $"io_uring_setup was refused (EPERM): kernel.io_uring_disabled=1 limits io_uring to the group in kernel.io_uring_group (kernel {kernel})",
            Libc.EPERM when seccomp == 2 =>
                $"io_uring_setup was refused (EPERM) by a seccomp filter (Seccomp: 2 in /proc/self/status; a container runtime's default profile does this), kernel {kernel}",
            Libc.EPERM =>
                $"io_uring_setup was refused (EPERM): not a seccomp filter (Seccomp: {seccomp}) nor kernel.io_uring_disabled ({Sysctl(disabledSysctl)}); an LSM policy may deny it (kernel {kernel})",
            Libc.ENOMEM =>
                $"io_uring_setup failed with ENOMEM (errno 12): {ProcessLimits.DescribeMemlock()}, too small for the rings (raise it with ulimit -l, or grant CAP_IPC_LOCK)",
            _ => $"io_uring_setup failed with errno {errno} (kernel {kernel})",
        };
    }

    private static string Sysctl(string value) => value.Length == 0 ? "absent before Linux 6.6" : $"it is {value}";

    private static IoUringFeatures ProbeOpcodes(IoUring ring, Dictionary<IoUringFeatures, string> details, out bool sendZc)
    {
        sendZc = false;
        int probeSize = sizeof(IoUringProbeHeader) + (int)ProbeOps * sizeof(IoUringProbeOp);
        byte* probe = (byte*)NativeMemory.AllocZeroed((nuint)probeSize);
        try
        {
            int rc = ring.Register(IoUringConstants.RegisterProbe, probe, ProbeOps);
            if (rc < 0)
            {
                details[IoUringFeatures.OpcodeProbe] = $"IORING_REGISTER_PROBE failed with errno {-rc}";
                return IoUringFeatures.None;
            }

            var header = (IoUringProbeHeader*)probe;
            var ops = (IoUringProbeOp*)(probe + sizeof(IoUringProbeHeader));
            bool Supported(IoUringOpcode op) => (byte)op <= header->LastOp && (ops[(byte)op].Flags & IoUringConstants.ProbeOpSupported) != 0;
            IoUringFeatures found = IoUringFeatures.OpcodeProbe;
            IoUringOpcode[] needed = [IoUringOpcode.Send, IoUringOpcode.Recv, IoUringOpcode.Accept, IoUringOpcode.Connect, IoUringOpcode.AsyncCancel, IoUringOpcode.Read];
            string missing = string.Join(", ", needed.Where(op => !Supported(op)).Select(op => op.ToString().ToUpperInvariant()));
            if (missing.Length == 0)
            {
                found |= IoUringFeatures.SocketOpcodes;
            }
            else
            {
                details[IoUringFeatures.SocketOpcodes] = $"the probe lists no {missing}";
            }

            sendZc = Supported(IoUringOpcode.SendZc);
            if (!sendZc)
            {
                details[IoUringFeatures.SendZeroCopy] = "the probe lists no SEND_ZC";
            }

            return found;
        }
        finally
        {
            NativeMemory.Free(probe);
        }
    }

    private static IoUringFeatures ProbeFlags(IoUring ring, bool sendZcOpcode, Dictionary<IoUringFeatures, string> details)
    {
        IoUringFeatures found = IoUringFeatures.None;
        int* pair = stackalloc int[2];
        if (Libc.SocketPair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0, pair) != 0)
        {
            details[IoUringFeatures.CancelFlags] = $"socketpair failed with errno {Marshal.GetLastPInvokeError()}, so no flag could be tried";
            return found;
        }

        using var first = new FileDescriptorHandle(pair[0]);
        using var second = new FileDescriptorHandle(pair[1]);

        // Cancel flags: a kernel that knows them answers ENOENT or 0 (nothing to cancel), one that does not answers EINVAL.
        int byFd = Complete(ring, (ref IoUringSqe sqe) => Sqe.CancelFd(ref sqe, first.Fd, ProbeUserData));
        int anyAll = Complete(ring, (ref IoUringSqe sqe) => Sqe.CancelAll(ref sqe, ProbeUserData));
        if (byFd != -Libc.EINVAL && anyAll != -Libc.EINVAL && byFd != int.MinValue && anyAll != int.MinValue)
        {
            found |= IoUringFeatures.CancelFlags;
        }
        else
        {
            details[IoUringFeatures.CancelFlags] = $"ASYNC_CANCEL with FD|ALL returned {Errno(byFd)} and with ANY|ALL {Errno(anyAll)}";
        }

        if (sendZcOpcode)
        {
            // 6.0/6.1 reject the flag in prep (EINVAL); 6.2+ get past prep and fail on the unix socket (EOPNOTSUPP).
            int zc = Complete(ring, (ref IoUringSqe sqe) => Sqe.SendZeroCopy(ref sqe, first.Fd, s_sendByte, 1, -1, ProbeUserData));
            found |= IoUringFeatures.SendZeroCopy;
            if (zc != -Libc.EINVAL && zc != int.MinValue)
            {
                found |= IoUringFeatures.SendZeroCopyReportUsage;
            }
            else
            {
                details[IoUringFeatures.SendZeroCopyReportUsage] = $"SEND_ZC with IORING_SEND_ZC_REPORT_USAGE returned {Errno(zc)}";
            }
        }
        else
        {
            details[IoUringFeatures.SendZeroCopyReportUsage] = "no SEND_ZC opcode";
        }

        found |= ProbeBufferRings(ring, first.Fd, details);
        found |= ProbeMultishotAccept(ring, details);
        return found;
    }

    private static IoUringFeatures ProbeBufferRings(IoUring ring, int socketFd, Dictionary<IoUringFeatures, string> details)
    {
        IoUringFeatures found = IoUringFeatures.None;
        nuint page = (nuint)Environment.SystemPageSize;
        void* memory = NativeMemory.AlignedAlloc(page, page);
        NativeMemory.Clear(memory, page);
        IoUringBufReg reg = default;
        reg.RingAddr = (ulong)memory;
        reg.RingEntries = 8;
        reg.Bgid = 0;
        int rc = ring.Register(IoUringConstants.RegisterPbufRing, &reg, 1);
        if (rc < 0)
        {
            details[IoUringFeatures.BufferRings] = $"IORING_REGISTER_PBUF_RING failed with {Errno(rc)}";
            details[IoUringFeatures.MultishotReceive] = "needs buffer rings";
            NativeMemory.AlignedFree(memory);
        }
        else
        {
            found |= IoUringFeatures.BufferRings;
            // No buffers are provided and no data is sent: a kernel with multishot receive leaves it pending, an older one answers EINVAL.
            int multishot = Pending(ring, (ref IoUringSqe sqe) => Sqe.RecvMultishot(ref sqe, socketFd, 0, ProbeUserData), out bool settled);
            if (multishot != -Libc.EINVAL && multishot != int.MinValue)
            {
                found |= IoUringFeatures.MultishotReceive;
            }
            else
            {
                details[IoUringFeatures.MultishotReceive] = $"RECV with IORING_RECV_MULTISHOT returned {Errno(multishot)}";
            }

            if (settled)
            {
                ring.Register(IoUringConstants.UnregisterPbufRing, &reg, 1);
                NativeMemory.AlignedFree(memory);
            }

            // else: a receive may still be armed on this memory; leak one page rather than free it under the kernel.
        }

        // Incremental consumption: the flag is rejected with EINVAL before 6.12.
        void* incremental = NativeMemory.AlignedAlloc(page, page);
        NativeMemory.Clear(incremental, page);
        IoUringBufReg inc = default;
        inc.RingAddr = (ulong)incremental;
        inc.RingEntries = 8;
        inc.Bgid = IncrementalGroup;
        inc.Flags = IoUringConstants.PbufRingIncremental;
        rc = ring.Register(IoUringConstants.RegisterPbufRing, &inc, 1);
        if (rc >= 0)
        {
            found |= IoUringFeatures.IncrementalBufferConsumption;
            ring.Register(IoUringConstants.UnregisterPbufRing, &inc, 1);
        }
        else
        {
            details[IoUringFeatures.IncrementalBufferConsumption] = $"IORING_REGISTER_PBUF_RING with IOU_PBUF_RING_INC failed with {Errno(rc)}";
        }

        NativeMemory.AlignedFree(incremental);
        return found;
    }

    private static IoUringFeatures ProbeMultishotAccept(IoUring ring, Dictionary<IoUringFeatures, string> details)
    {
        try
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            int fd = (int)listener.SafeHandle.DangerousGetHandle();
            int rc = Pending(ring, (ref IoUringSqe sqe) => Sqe.Accept(ref sqe, fd, multishot: true, ProbeUserData), out _);
            if (rc != -Libc.EINVAL && rc != int.MinValue)
            {
                return IoUringFeatures.MultishotAccept;
            }

            details[IoUringFeatures.MultishotAccept] = $"ACCEPT with IORING_ACCEPT_MULTISHOT returned {Errno(rc)}";
        }
        catch (SocketException ex)
        {
            details[IoUringFeatures.MultishotAccept] = $"no loopback listener to try it on ({ex.SocketErrorCode})";
        }

        return IoUringFeatures.None;
    }

    private delegate void Prepare(ref IoUringSqe sqe);

    /// <summary>Submits one request and returns its first completion's result; int.MinValue when none arrived in time.</summary>
    private static int Complete(IoUring ring, Prepare prepare)
    {
        ref IoUringSqe sqe = ref ring.TryGetSqe();
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref sqe))
        {
            return int.MinValue;
        }

        prepare(ref sqe);
        var handler = new ProbeCompletions(ProbeUserData);
        return Reap(ring, ref handler, stopOnFinal: false) ? handler.FirstResult : int.MinValue;
    }

    /// <summary>
    /// Submits a multishot request and returns its result: 0 when it stayed pending (then it is cancelled and its final
    /// completion awaited; <paramref name="settled"/> tells whether that arrived in time), otherwise its first result.
    /// A kernel without the flag answers EINVAL in prep; any other answer (ENOBUFS from an empty buffer ring) means
    /// the request got past prep, so the flag is known.
    /// </summary>
    private static int Pending(IoUring ring, Prepare prepare, out bool settled)
    {
        settled = true;
        ref IoUringSqe sqe = ref ring.TryGetSqe();
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref sqe))
        {
            return int.MinValue;
        }

        prepare(ref sqe);
        var handler = new ProbeCompletions(ProbeUserData);
        for (int i = 0; i < 2 && !handler.Final; i++)
        {
            ring.SubmitAndWait(0);
            ring.ReapCompletions(ref handler);
        }

        if (handler.Final)
        {
            return handler.FirstResult;
        }

        Sqe.Cancel(ref ring.TryGetSqe(), ProbeUserData, CancelUserData);
        settled = Reap(ring, ref handler, stopOnFinal: true);
        return 0;
    }

    private static bool Reap(IoUring ring, ref ProbeCompletions handler, bool stopOnFinal)
    {
        DateTime deadline = DateTime.UtcNow + CompletionWait;
        while (true)
        {
            ring.SubmitAndWait(0);
            ring.ReapCompletions(ref handler);
            if (stopOnFinal ? handler.Final : handler.Seen)
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(1);
        }
    }

    private static string Errno(int result) => result switch
    {
        int.MinValue => "no completion",
        -Libc.EINVAL => "EINVAL",
        -Libc.ENOENT => "ENOENT",
        -Libc.ENOMEM => "ENOMEM",
        -Libc.EPERM => "EPERM",
        < 0 => $"errno {-result}",
        _ => result.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Collects the completions of the probe request (and ignores the rest).</summary>
    private struct ProbeCompletions : ICompletionHandler
    {
        private readonly ulong _userData;

        public ProbeCompletions(ulong userData)
        {
            _userData = userData;
            FirstResult = int.MinValue;
        }

        public bool Seen { get; private set; }

        public bool More { get; private set; }

        public bool Final { get; private set; }

        public int FirstResult { get; private set; }

        public void OnCompletion(ulong userData, int result, uint flags)
        {
            if (userData != _userData || (flags & IoUringConstants.CqeFNotif) != 0)
            {
                return;
            }

            if (!Seen)
            {
                Seen = true;
                FirstResult = result;
            }

            More = (flags & IoUringConstants.CqeFMore) != 0;
            Final |= !More;
        }
    }
}
