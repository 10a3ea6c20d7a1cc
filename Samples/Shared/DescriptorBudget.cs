using System.Globalization;

namespace BypassNet.Samples;

/// <summary>
/// How many connections fit under the process's descriptor limit (RLIMIT_NOFILE), keeping a reserve for the runtime
/// (rings, eventfds, listeners, the .NET runtime's own descriptors), as redis-server does for maxclients.
/// </summary>
public static class DescriptorBudget
{
    /// <summary>Descriptors kept out of the connection budget.</summary>
    public const int Reserve = 64;

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

    /// <summary>
    /// <paramref name="wanted"/> connections, lowered to what the descriptor limit leaves after <see cref="Reserve"/>
    /// (at least 1).
    /// </summary>
    public static int MaxConnections(int wanted)
    {
        long? limit = OpenFileLimit();
        return limit is { } l ? (int)Math.Clamp(l - Reserve, 1, wanted) : wanted;
    }
}
