using System.Diagnostics;
using System.Runtime.InteropServices;

namespace BypassNet.Samples.Demo;

/// <summary>
/// Counts the system calls of one process over a window: a perf counter on a tracepoint (<c>raw_syscalls:sys_enter</c>
/// for every call, <c>syscalls:sys_enter_io_uring_enter</c> for one) per thread (perf_event_open, pid = thread id, any CPU), opened at <see cref="Start"/> on every thread in
/// <c>/proc/PID/task</c>, with threads created later picked up by <see cref="Rescan"/>, and summed at <see cref="Stop"/>.
/// </summary>
/// <remarks>
/// Counting our own process, the thread that drives the counter is left out: its rescans and sleeps are measurement,
/// not server work. Start, rescans and stop allocate nothing, so allocation figures taken over the same window stay clean.
/// </remarks>
internal sealed unsafe partial class SyscallCounter : IDisposable
{
    private const uint PerfTypeTracepoint = 2;
    private const int PerfAttrSize = 128;
    private const ulong PerfFlagFdCloexec = 8;
    private const int MaxThreads = 4096;

    private readonly ulong _tracepointId;
    private readonly long _perfEventOpen;
    private readonly long _getTid;
    private readonly nint _taskDirectory;
    private readonly bool _self;
    private readonly int[] _tids = new int[MaxThreads];
    private readonly int[] _fds = new int[MaxThreads];
    private int _count;
    private int _skipTid;
    private int _keeper = -1;
    private bool _disposed;

    private SyscallCounter(ulong tracepointId, long perfEventOpen, long getTid, nint taskDirectory, bool self)
    {
        _tracepointId = tracepointId;
        _perfEventOpen = perfEventOpen;
        _getTid = getTid;
        _taskDirectory = taskDirectory;
        _self = self;
    }

    /// <summary>Threads counted so far in this window.</summary>
    public int Threads => _count;

    /// <summary>Every system call.</summary>
    public const string AllCalls = "raw_syscalls/sys_enter";

    /// <summary>io_uring_enter only.</summary>
    public const string IoUringEnter = "syscalls/sys_enter_io_uring_enter";

    /// <summary>
    /// Prepares to count <paramref name="processId"/>'s hits on <paramref name="tracepoint"/> (a path under
    /// tracefs/events), or says why it cannot (no tracefs, no permission for perf events, unknown architecture).
    /// </summary>
    public static SyscallCounter? TryCreate(int processId, string tracepoint, out string? unavailableReason)
    {
        (long perfEventOpen, long getTid) = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => (298L, 186L),
            Architecture.Arm64 => (241L, 178L),
            _ => (-1L, -1L),
        };
        if (perfEventOpen < 0)
        {
            unavailableReason = $"no perf_event_open number for {RuntimeInformation.ProcessArchitecture}";
            return null;
        }

        ulong id = 0;
        string? idFile = Array.Find(
            [$"/sys/kernel/tracing/events/{tracepoint}/id", $"/sys/kernel/debug/tracing/events/{tracepoint}/id"],
            File.Exists);
        try
        {
            if (idFile is null || !ulong.TryParse(File.ReadAllText(idFile).Trim(), out id))
            {
                unavailableReason = $"tracefs does not show {tracepoint} (as root: mount -t tracefs nodev /sys/kernel/tracing)";
                return null;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            unavailableReason = $"cannot read {idFile}: {ex.Message}";
            return null;
        }

        nint directory = OpenDirectory($"/proc/{processId}/task");
        if (directory == 0)
        {
            unavailableReason = $"cannot open /proc/{processId}/task (errno {Marshal.GetLastSystemError()})";
            return null;
        }

        var counter = new SyscallCounter(id, perfEventOpen, getTid, directory, processId == Environment.ProcessId);
        // One trial open tells whether perf events are allowed here (perf_event_paranoid, seccomp, containers).
        int trial = counter.Open(processId);
        if (trial < 0)
        {
            int errno = Marshal.GetLastSystemError();
            counter.Dispose();
            unavailableReason = $"perf_event_open failed with errno {errno}";
            return null;
        }

        // Kept open (and never read) until Dispose: the first counter on a tracepoint switches the tracepoint on, which
        // patches kernel text and takes tens of milliseconds; done here, that pause stays out of the window.
        counter._keeper = trial;
        unavailableReason = null;
        return counter;
    }

    /// <summary>Opens a counter on every current thread of the process (not the calling one when counting ourselves).</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CloseAll();
        _skipTid = _self ? (int)Syscall(_getTid) : 0;
        Rescan();
    }

    /// <summary>Adds counters for threads created since the last scan. Allocation-free.</summary>
    public void Rescan()
    {
        RewindDirectory(_taskDirectory);
        while (true)
        {
            byte* entry = ReadDirectory(_taskDirectory);
            if (entry == null)
            {
                break;
            }

            // struct dirent on glibc: d_ino (8), d_off (8), d_reclen (2), d_type (1), then the name.
            int tid = ParseTid(entry + 19);
            if (tid <= 0 || tid == _skipTid || IsCounted(tid) || _count == MaxThreads)
            {
                continue;
            }

            int fd = Open(tid);
            if (fd >= 0)
            {
                _tids[_count] = tid;
                _fds[_count] = fd;
                _count++;
            }

            // A thread that exited between the scan and the open (ESRCH) made no calls we could count anyway.
        }
    }

    /// <summary>Reads every counter (threads that exited keep their count) and closes them. Returns the total.</summary>
    public long Stop()
    {
        long total = 0;
        for (int i = 0; i < _count; i++)
        {
            ulong value = 0;
            if (Read(_fds[i], &value, sizeof(ulong)) == sizeof(ulong))
            {
                total += (long)value;
            }
        }

        CloseAll();
        return total;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CloseAll();
        if (_keeper >= 0)
        {
            Close(_keeper);
        }

        CloseDirectory(_taskDirectory);
    }

    private int Open(int tid)
    {
        byte* attr = stackalloc byte[PerfAttrSize];
        new Span<byte>(attr, PerfAttrSize).Clear();
        *(uint*)attr = PerfTypeTracepoint;
        *(uint*)(attr + 4) = PerfAttrSize;
        *(ulong*)(attr + 8) = _tracepointId;
        // Flags stay 0: enabled at once, no inherit (new threads are found by rescanning), user and kernel alike.
        return (int)Syscall(_perfEventOpen, (nint)attr, tid, -1, -1, (nint)PerfFlagFdCloexec);
    }

    private bool IsCounted(int tid)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_tids[i] == tid)
            {
                return true;
            }
        }

        return false;
    }

    private void CloseAll()
    {
        for (int i = 0; i < _count; i++)
        {
            Close(_fds[i]);
        }

        _count = 0;
    }

    private static int ParseTid(byte* name)
    {
        int value = 0;
        for (; *name != 0; name++)
        {
            if (*name is < (byte)'0' or > (byte)'9')
            {
                return -1;
            }

            value = (value * 10) + (*name - '0');
        }

        return value;
    }

    private static long Syscall(long number) => Syscall(number, 0, 0, 0, 0, 0);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, void* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "opendir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint OpenDirectory(string path);

    [LibraryImport("libc", EntryPoint = "readdir")]
    private static partial byte* ReadDirectory(nint directory);

    [LibraryImport("libc", EntryPoint = "rewinddir")]
    private static partial void RewindDirectory(nint directory);

    [LibraryImport("libc", EntryPoint = "closedir")]
    private static partial int CloseDirectory(nint directory);
}
