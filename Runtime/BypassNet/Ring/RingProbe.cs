using System.Runtime.InteropServices;
using BypassNet.Interop;

namespace BypassNet.Ring;

/// <summary>
/// Finds out, once per process, whether io_uring can be used and with which features: creates a small ring,
/// asks IORING_REGISTER_PROBE for opcodes and tries a buffer-ring registration.
/// </summary>
internal static unsafe class RingProbe
{
    private const uint ProbeOps = 256;

    /// <summary>Probes the kernel. Returns null and a reason when io_uring is unusable.</summary>
    public static Capabilities? Probe(out string? unavailableReason)
    {
        unavailableReason = null;
        if (!OperatingSystem.IsLinux())
        {
            unavailableReason = $"io_uring needs Linux; this is {RuntimeInformation.OSDescription}";
            return null;
        }

        string disabled = ReadSysctl("/proc/sys/kernel/io_uring_disabled");
        if (disabled == "2")
        {
            unavailableReason = "io_uring is disabled by sysctl kernel.io_uring_disabled=2";
            return null;
        }

        uint setupFlags = IoUringConstants.SetupSingleIssuer | IoUringConstants.SetupDeferTaskrun | IoUringConstants.SetupSubmitAll;
        int rc = IoUring.TryCreate(8, 0, setupFlags, out IoUring? ring);
        if (rc == -Libc.EINVAL)
        {
            // Older kernels: cooperative task running is the next best thing.
            setupFlags = IoUringConstants.SetupCoopTaskrun | IoUringConstants.SetupSubmitAll;
            rc = IoUring.TryCreate(8, 0, setupFlags, out ring);
        }

        if (rc == -Libc.EINVAL)
        {
            setupFlags = 0;
            rc = IoUring.TryCreate(8, 0, setupFlags, out ring);
        }

        if (rc < 0 || ring is null)
        {
            unavailableReason = DescribeSetupFailure(-rc, disabled);
            return null;
        }

        using (ring)
        {
            IoUringFeatures features = IoUringFeatures.FixedBuffers;
            if ((ring.Features & IoUringConstants.FeatNoDrop) != 0)
            {
                features |= IoUringFeatures.NoDrop;
            }

            if ((setupFlags & IoUringConstants.SetupDeferTaskrun) != 0)
            {
                features |= IoUringFeatures.DeferTaskrun;
            }

            bool sendZc = false;
            int probeSize = sizeof(IoUringProbeHeader) + (int)ProbeOps * sizeof(IoUringProbeOp);
            byte* probe = (byte*)NativeMemory.AllocZeroed((nuint)probeSize);
            try
            {
                if (ring.Register(IoUringConstants.RegisterProbe, probe, ProbeOps) >= 0)
                {
                    var header = (IoUringProbeHeader*)probe;
                    var ops = (IoUringProbeOp*)(probe + sizeof(IoUringProbeHeader));
                    bool Supported(IoUringOpcode op) => (byte)op <= header->LastOp && (ops[(byte)op].Flags & IoUringConstants.ProbeOpSupported) != 0;
                    if (!Supported(IoUringOpcode.Send) || !Supported(IoUringOpcode.Recv) || !Supported(IoUringOpcode.Accept)
                        || !Supported(IoUringOpcode.Connect) || !Supported(IoUringOpcode.AsyncCancel) || !Supported(IoUringOpcode.Read))
                    {
                        unavailableReason = $"kernel {KernelRelease()} lacks io_uring socket opcodes (needs Linux 5.6 or later)";
                        return null;
                    }

                    sendZc = Supported(IoUringOpcode.SendZc);
                }
            }
            finally
            {
                NativeMemory.Free(probe);
            }

            if (TryRegisterBufferRing(ring))
            {
                // Buffer rings and multishot accept arrived together (5.19); multishot recv and SEND_ZC in 6.0.
                features |= IoUringFeatures.BufferRings | IoUringFeatures.MultishotAccept;
                if (sendZc)
                {
                    features |= IoUringFeatures.SendZeroCopy | IoUringFeatures.MultishotReceive;
                }
            }

            return new Capabilities(KernelRelease(), features, ring.Features, setupFlags);
        }
    }

    internal static string KernelRelease()
    {
        string release = ReadSysctl("/proc/sys/kernel/osrelease");
        return release.Length == 0 ? Environment.OSVersion.VersionString : release;
    }

    private static bool TryRegisterBufferRing(IoUring ring)
    {
        nuint page = (nuint)Environment.SystemPageSize;
        void* memory = NativeMemory.AlignedAlloc(page, page);
        try
        {
            NativeMemory.Clear(memory, page);
            IoUringBufReg reg = default;
            reg.RingAddr = (ulong)memory;
            reg.RingEntries = 8;
            reg.Bgid = 0;
            if (ring.Register(IoUringConstants.RegisterPbufRing, &reg, 1) < 0)
            {
                return false;
            }

            ring.Register(IoUringConstants.UnregisterPbufRing, &reg, 1);
            return true;
        }
        finally
        {
            NativeMemory.AlignedFree(memory);
        }
    }

    internal static string DescribeSetupFailure(int errno, string disabledSysctl) => errno switch
    {
        Libc.ENOSYS => $"io_uring_setup is not implemented by kernel {KernelRelease()} (ENOSYS)",
        Libc.EPERM when disabledSysctl == "1" => "io_uring_setup was refused (EPERM): kernel.io_uring_disabled=1 limits io_uring to the io_uring_group",
        Libc.EPERM => "io_uring_setup was refused (EPERM): a seccomp filter or a container runtime blocks io_uring",
        Libc.ENOMEM => "io_uring_setup failed with ENOMEM (RLIMIT_MEMLOCK too small for the rings)",
        _ => $"io_uring_setup failed with errno {errno}",
    };

    private static string ReadSysctl(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : string.Empty;
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
