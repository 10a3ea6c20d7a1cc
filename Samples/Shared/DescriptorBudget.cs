using System.Globalization;

namespace BypassNet.Samples;

/// <summary>
/// How many connections fit under the process's descriptor limit (RLIMIT_NOFILE): the limit, less what is open
/// already (call it after start-up, when the runtime, its rings and every preloaded assembly hold theirs), less a
/// reserve for what opens later — as redis-server does for maxclients.
/// </summary>
public static class DescriptorBudget
{
    /// <summary>Descriptors kept out of the connection budget beyond those open at start-up.</summary>
    public const int Reserve = 32;

    /// <summary>The soft RLIMIT_NOFILE (from /proc/self/limits), or null when unknown or unlimited.</summary>
    public static long? OpenFileLimit()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/limits"))
            {
                // "Max open files            1024                 1048576              files"
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    string[] fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long soft) ? soft : null;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>Descriptors open in this process now (entries of /proc/self/fd), or 0 when unknown.</summary>
    public static int OpenDescriptors()
    {
        try
        {
            // Listing the directory opens one more descriptor, which is closed again: count it out.
            return Math.Max(0, Directory.GetFileSystemEntries("/proc/self/fd").Length - 1);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>
    /// <paramref name="wanted"/> connections, lowered to what the descriptor limit leaves after the descriptors open
    /// now and <see cref="Reserve"/> (at least 1).
    /// </summary>
    public static int MaxConnections(int wanted)
    {
        long? limit = OpenFileLimit();
        return limit is { } l ? (int)Math.Clamp(l - OpenDescriptors() - Reserve, 1, wanted) : wanted;
    }
}
