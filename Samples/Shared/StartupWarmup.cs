using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Reflection;

namespace BypassNet.Samples;

/// <summary>
/// Loads, at start-up, everything a server's error paths would otherwise load the first time they run. Under
/// descriptor exhaustion (EMFILE) a first-time assembly load or console set-up fails — and the .NET loader remembers a
/// failed load — so a server that survives the flood must have touched all of it while descriptors were plentiful.
/// </summary>
public static class StartupWarmup
{
    private static int s_done;

    /// <summary>
    /// Opens the console streams, loads every assembly the entry assembly references (transitively), and builds the
    /// messages of the exceptions the accept, receive and close paths throw. Idempotent; call first thing in Main.
    /// </summary>
    public static void Run()
    {
        if (Interlocked.Exchange(ref s_done, 1) != 0)
        {
            return;
        }

        // Each stream opens (dup) its descriptor on first use: do it now.
        Console.Out.Flush();
        Console.Error.Flush();
        LoadReferences(Assembly.GetEntryAssembly() ?? typeof(StartupWarmup).Assembly);

        // Exception messages come from resources, loaded on first use; LINQ and concurrent collections are used on close paths.
        Exception[] warm =
        [
            new SocketException((int)SocketError.TooManyOpenSockets),
            new SocketException((int)SocketError.ConnectionReset),
            new SocketException((int)SocketError.ConnectionAborted),
            new SocketException((int)SocketError.OperationAborted),
            new SocketException((int)SocketError.TimedOut),
            new ObjectDisposedException("warm-up"),
            new OperationCanceledException(),
            new TaskCanceledException(),
            new InvalidOperationException(),
            new IOException(),
            new TimeoutException(),
            new AggregateException(new InvalidOperationException()),
        ];
        int length = warm.Sum(e => e.Message.Length + e.ToString().Length);
        var touched = new ConcurrentDictionary<int, int>();
        touched.TryAdd(length, 0);
        _ = touched.Keys.ToArray().Select(k => k).Where(k => k >= 0).OrderBy(k => k).ToList();
    }

    private static void LoadReferences(Assembly root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<Assembly>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            Assembly assembly = pending.Pop();
            foreach (AssemblyName reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name is null || !seen.Add(reference.Name))
                {
                    continue;
                }

                try
                {
                    pending.Push(Assembly.Load(reference));
                }
                catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    // A reference that is not deployed (an optional one): nothing would load it later either.
                }
            }
        }
    }
}
