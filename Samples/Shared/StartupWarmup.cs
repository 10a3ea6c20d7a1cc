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
    /// messages of the exceptions the accept, receive and close paths throw. Idempotent; call first thing in Main —
    /// only in a server process: it fixes the thread pool's size for the whole process.
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
        StartThreads();
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

    /// <summary>
    /// Starting a thread needs descriptors (the runtime opens some for every new thread), and a thread pool worker
    /// that cannot start one ends the process with an unhandled OutOfMemoryException ("Out of memory."). So the
    /// threads the server needs start now — the timer thread (Task.Delay, used by the accept backoff), the pool's
    /// gate thread and a fixed set of workers — and the pool is capped there and never shrinks (the project sets
    /// System.Threading.ThreadPool.ThreadTimeoutMs = -1). The samples never block a pool thread, so a fixed pool is enough.
    /// </summary>
    private static void StartThreads()
    {
        Task.Delay(1).GetAwaiter().GetResult();
        int workers = Math.Max(8, Environment.ProcessorCount * 4);
        ThreadPool.GetMinThreads(out _, out int minIo);
        ThreadPool.GetMaxThreads(out _, out int maxIo);
        ThreadPool.SetMinThreads(workers, minIo);
        ThreadPool.SetMaxThreads(workers, maxIo);
        // Not disposed: a worker that starts after the bounded wait below must still find them usable.
        var started = new CountdownEvent(workers);
        var release = new ManualResetEventSlim();
        for (int i = 0; i < workers; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                started.Signal();
                release.Wait();
            }, null);
        }

        // Bounded: if the pool will not grow that far, the server still starts.
        started.Wait(TimeSpan.FromSeconds(10));
        release.Set();
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
