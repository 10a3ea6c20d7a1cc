using System.Collections.Concurrent;

namespace BypassNet.Compat;

/// <summary>Application code the pipe hands to the thread pool from an engine thread (a reader's continuation).</summary>
internal interface IApplicationWork
{
    /// <summary>Runs the application's continuation (on a thread-pool thread).</summary>
    void RunApplicationWork();
}

/// <summary>
/// One engine thread's queue of application continuations bound for the thread pool. A ring batch that completes
/// reads for many connections queues one thread-pool work item, not one per connection, and while that item runs,
/// further completions join it without another thread-pool request or wake-up (Kestrel's IOQueue, System.Net.Sockets'
/// event queue). As in the latter, once the item has taken its first continuation, the next enqueue asks for a second
/// worker, so a continuation that blocks holds up at most the ones already queued behind it, never later ones.
/// </summary>
internal sealed class ApplicationWorkQueue : IThreadPoolWorkItem
{
    private const int NotScheduled = 0;
    private const int Determining = 1;
    private const int Scheduled = 2;

    /// <summary>How long one work item keeps draining before it yields its thread (as System.Net.Sockets does).</summary>
    private const int QuantumMilliseconds = 15;

    [ThreadStatic]
    private static ApplicationWorkQueue? t_current;

    private readonly ConcurrentQueue<IApplicationWork> _queue = new();
    private int _state;

    /// <summary>The calling (engine) thread's queue.</summary>
    public static ApplicationWorkQueue Current => t_current ??= new ApplicationWorkQueue();

    /// <summary>Queues <paramref name="work"/> and makes sure a thread-pool item will run it.</summary>
    public void Enqueue(IApplicationWork work)
    {
        _queue.Enqueue(work);
        Schedule();
    }

    void IThreadPoolWorkItem.Execute()
    {
        IApplicationWork? work;
        while (true)
        {
            // Visible before the dequeue: an enqueue that sees Determining leaves scheduling to this thread.
            Volatile.Write(ref _state, Determining);
            Interlocked.MemoryBarrier();
            if (_queue.TryDequeue(out work))
            {
                break;
            }

            // Still Determining: nothing more to do. Scheduled: an enqueue raced the dequeue; look again.
            if (Interlocked.CompareExchange(ref _state, NotScheduled, Determining) == Determining)
            {
                return;
            }
        }

        // From here a new enqueue asks for a second worker, so a continuation that blocks cannot stall later ones.
        // An enqueue that raced the dequeue saw Determining and queued nothing: queue for it.
        if (Interlocked.Exchange(ref _state, NotScheduled) == Scheduled)
        {
            Schedule();
        }

        int start = Environment.TickCount;
        while (true)
        {
            work.RunApplicationWork();
            if (Environment.TickCount - start >= QuantumMilliseconds)
            {
                // The queue was not seen empty: another item continues after this thread yields.
                Schedule();
                return;
            }

            if (!_queue.TryDequeue(out work))
            {
                return;
            }
        }
    }

    private void Schedule()
    {
        // NotScheduled -> Scheduled queues the item; Determining -> Scheduled tells the running item to look again.
        if (Volatile.Read(ref _state) != Scheduled && Interlocked.Exchange(ref _state, Scheduled) == NotScheduled)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }
}
