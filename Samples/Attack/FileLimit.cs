using System.Runtime.InteropServices;

namespace BypassNet.Samples.Attack;

/// <summary>Raises this process's soft descriptor limit to its hard limit: the attacker needs more sockets than servers do.</summary>
internal static partial class FileLimit
{
    private const int NoFile = 7;

    /// <summary>Returns the soft limit now in force.</summary>
    public static long RaiseToHard()
    {
        var limit = default(Limit);
        if (GetLimit(NoFile, ref limit) != 0)
        {
            return -1;
        }

        if (limit.Soft < limit.Hard)
        {
            limit.Soft = limit.Hard;
            _ = SetLimit(NoFile, ref limit);
            _ = GetLimit(NoFile, ref limit);
        }

        return (long)limit.Soft;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Limit
    {
        public ulong Soft;
        public ulong Hard;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetLimit(int resource, ref Limit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit")]
    private static partial int SetLimit(int resource, ref Limit limit);
}
