using System.Globalization;

namespace BypassNet.Interop;

/// <summary>
/// What the process is allowed to do, read so failure messages can name the cause: the locked-memory limit, a
/// seccomp filter, CAP_IPC_LOCK and the io_uring sysctl. Read on failure and start-up paths only, never per operation.
/// </summary>
internal static unsafe class ProcessLimits
{
    private const int CapIpcLock = 14;

    /// <summary>RLIMIT_MEMLOCK (soft, hard) in bytes; <see cref="Libc.RLIM_INFINITY"/> for unlimited; null when unreadable.</summary>
    public static (ulong Soft, ulong Hard)? MemlockLimit()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        RLimit limit;
        return Libc.GetRLimit(Libc.RLIMIT_MEMLOCK, &limit) == 0 ? (limit.Current, limit.Maximum) : null;
    }

    /// <summary>"RLIMIT_MEMLOCK is 64 KiB (hard 64 KiB)", or "unlimited", for messages.</summary>
    public static string DescribeMemlock()
    {
        (ulong Soft, ulong Hard)? limit = MemlockLimit();
        if (limit is not { } l)
        {
            return "RLIMIT_MEMLOCK is unknown";
        }

        string capability = HasCapability(CapIpcLock) ? "; the process has CAP_IPC_LOCK" : string.Empty;
        return $"RLIMIT_MEMLOCK is {FormatBytes(l.Soft)} (hard {FormatBytes(l.Hard)}){capability}";
    }

    /// <summary>The Seccomp field of /proc/self/status: 0 none, 1 strict, 2 filter; -1 when unknown.</summary>
    public static int SeccompMode()
    {
        string? value = StatusField("Seccomp:");
        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int mode) ? mode : -1;
    }

    /// <summary>True when the effective capability set holds <paramref name="capability"/> (CapEff of /proc/self/status).</summary>
    public static bool HasCapability(int capability)
    {
        string? value = StatusField("CapEff:");
        return ulong.TryParse(value, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong mask) && (mask & (1UL << capability)) != 0;
    }

    /// <summary>The value of /proc/sys/kernel/io_uring_disabled ("0", "1", "2"), or empty when the sysctl does not exist (before 6.6).</summary>
    public static string IoUringDisabledSysctl() => ReadTrimmed("/proc/sys/kernel/io_uring_disabled");

    /// <summary>The kernel release (uname -r).</summary>
    public static string KernelRelease()
    {
        string release = ReadTrimmed("/proc/sys/kernel/osrelease");
        return release.Length == 0 ? Environment.OSVersion.VersionString : release;
    }

    /// <summary>Bytes as "64 KiB", "8 MiB" or "unlimited".</summary>
    public static string FormatBytes(ulong bytes) => bytes switch
    {
        Libc.RLIM_INFINITY => "unlimited",
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => $"{bytes / (1024 * 1024)} MiB",
        >= 1024 => $"{bytes / 1024} KiB",
        _ => $"{bytes} bytes",
    };

    private static string? StatusField(string name)
    {
        foreach (string line in ReadTrimmed("/proc/self/status").Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                return line[name.Length..].Trim();
            }
        }

        return null;
    }

    private static string ReadTrimmed(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : string.Empty;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
