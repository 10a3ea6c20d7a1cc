// Over 300 lines on purpose: this is the ring thread's whole life (setup, the submit and dispatch paths that own every
// operation's lifecycle, wake-up, drain and teardown); their ordering invariants are easiest to check in one file.
// How it fails (RingFailureHandling) and how it sleeps (ExtendedWaitPolicy) are types of their own.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using BypassNet.Diagnostics;
using BypassNet.Interop;
using Microsoft.Extensions.Logging;

namespace BypassNet.Ring;

/// <summary>
/// One ring and the thread that owns it. Only this thread writes the SQ and reaps the CQ; other threads post
/// <see cref="RingWork"/> and wake it through an eventfd the ring always has a READ armed on. Each loop iteration
/// submits everything prepared since the last one and waits for completions in a single io_uring_enter.
/// </summary>
internal sealed unsafe class RingEventLoop : IDisposable
{
    /// <summary>user_data of completions nobody waits for (cancel requests).</summary>
    internal const ulong InternalUserData = ulong.MaxValue;

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    [ThreadStatic]
    private static RingEventLoop? t_current;

    private readonly ConcurrentQueue<(RingWork Work, RingCommand Command)> _incoming = new();
    private readonly OperationTable _operations = new(1024);
    private readonly ILogger _logger;
    private readonly RingLoopSettings _settings;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<RingWork> _afterReap = new();
    private readonly RingFailureHandling _failures;
    private readonly ExtendedWaitPolicy _waitPolicy;
    private readonly BusyPollPolicy _busyPoll;
    private readonly Func<bool> _hasPostedWork;
    private IoUring? _ring;
    private FileDescriptorHandle? _eventFd;
    private WakeOperation? _wake;
    private int _sleeping;
    private int _batchAverage;
    private int _carriedCompletions;
    private int _lastBatch;
    private volatile bool _stopping;
    private volatile bool _stoppedFlag;

    private RingEventLoop(int index, RingLoopSettings settings, ILogger logger)
    {
        Index = index;
        _settings = settings;
        _logger = logger;
        _failures = new RingFailureHandling(this, logger);
        _waitPolicy = new ExtendedWaitPolicy(settings, Statistics);
        _busyPoll = new BusyPollPolicy(settings.BusyPollMicroseconds, Statistics);
        _hasPostedWork = () => _stopping || !_incoming.IsEmpty;
        _thread = new Thread(Run)
        {
            IsBackground = true,
            Name = $"BypassNet ring {index}",
        };
    }

    public int Index { get; }

    /// <summary>True on this loop's own thread.</summary>
    public bool IsCurrentThread => ReferenceEquals(t_current, this);

    /// <summary>The loop whose thread is running, or null on other threads.</summary>
    public static RingEventLoop? Current => t_current;

    public bool IsStopping => _stopping;

    /// <summary>
    /// True while the thread sleeps in the kernel and nobody has woken it yet: work posted now costs an eventfd write
    /// and a wake-up. A hint only; it may change right after it is read.
    /// </summary>
    public bool IsSleeping => Volatile.Read(ref _sleeping) != 0;

    /// <summary>
    /// Completions the thread reaps per wake-up from a sleep, averaged over the last several: a hint of how much each
    /// wake-up batches, so other threads can tell a quiet ring from a busy one.
    /// </summary>
    public double CompletionsPerWake => Volatile.Read(ref _batchAverage) / 16.0;

    /// <summary>Completions per wake-up up to which a ring counts as quiet (a receive and a send, or the wake itself).</summary>
    public const double QuietBatch = 2.5;

    /// <summary>True once the thread has exited; nothing posted after that runs.</summary>
    public bool IsStopped => _stoppedFlag;

    public RingLoopSettings Settings => _settings;

    public ILogger Logger => _logger;

    /// <summary>
    /// Resources that live exactly as long as the ring (registered buffers, buffer rings); disposed on the loop
    /// thread in reverse order after the last completion and before the ring closes — or never, if the drain failed.
    /// </summary>
    public List<IDisposable> Attachments { get; } = new();

    public RingStatistics Statistics { get; } = new();

    /// <summary>Why the ring failed, or null while it works (or stopped normally). Set before anything pending is failed.</summary>
    public RingFailedException? Failure => _failures.Failure;

    /// <summary>Test-only fault hook (see <see cref="RingFaultInjection"/>).</summary>
    internal RingFaultInjection Faults { get; } = new();

    /// <summary>Test-only: the loop's next io_uring_enter fails with <paramref name="errno"/>; the loop is woken so that happens now.</summary>
    internal void InjectEnterFailure(int errno)
    {
        Faults.FailNextEnter(errno);
        ForceWake();
    }

    public int OperationsInFlight => _operations.InFlight;

    /// <summary>io_uring_enter calls so far (read from any thread; a figure, not a synchronisation point).</summary>
    public long EnterCalls => _ring?.EnterCalls ?? 0;

    /// <summary>SQEs the kernel has consumed so far.</summary>
    public long SubmittedEntries => _ring?.Submitted ?? 0;

    /// <summary>Starts the loop thread and waits until its ring is set up. Throws when the ring cannot be created.</summary>
    public static RingEventLoop Start(int index, RingLoopSettings settings, ILogger logger)
    {
        var loop = new RingEventLoop(index, settings, logger);
        loop._thread.Start();
        loop._started.Task.GetAwaiter().GetResult();
        return loop;
    }

    /// <summary>Runs <paramref name="work"/> now when called on this loop's thread, otherwise posts it and wakes the loop.</summary>
    public void Execute(RingWork work, RingCommand command)
    {
        if (IsCurrentThread)
        {
            work.Execute(this, command);
        }
        else
        {
            Post(work, command);
        }
    }

    /// <summary>Queues <paramref name="work"/> for the loop thread and wakes it if it sleeps in the kernel.</summary>
    public void Post(RingWork work, RingCommand command)
    {
        _incoming.Enqueue((work, command));
        if (_stoppedFlag)
        {
            // The thread is gone (or going): whoever gets here first fails what is queued, so nothing waits forever.
            RejectQueued();
            return;
        }

        Wake();
    }

    /// <summary>Runs <paramref name="work"/> after the current batch of completions has been dispatched (loop thread only).</summary>
    public void RunAfterCompletions(RingWork work)
    {
        Debug.Assert(IsCurrentThread);
        _afterReap.Add(work);
    }

    /// <summary>
    /// The one submit path (loop thread only): unless the operation is not ready, it is refused when the loop is
    /// stopping, its owner is closing or its caller cancelled; otherwise it takes a table slot, fills its SQE and is
    /// counted against its owner until its final completion. True when it entered the ring.
    /// </summary>
    public bool Submit(RingOperation operation)
    {
        Debug.Assert(IsCurrentThread);
        if (operation.InFlight || !operation.ReadyToSubmit(this))
        {
            return false;
        }

        IRingResident? owner = operation.Owner;
        if (_stopping || (owner is not null && owner.IsClosing) || operation.CancelRequested)
        {
            SubmitRefusal reason = _stopping ? SubmitRefusal.Stopping
                : owner is not null && owner.IsClosing ? SubmitRefusal.ResidentClosing
                : SubmitRefusal.Cancelled;
            operation.OnRefused(this, reason);
            return false;
        }

        ref IoUringSqe sqe = ref NextSqe();
        ulong userData = _operations.Add(operation);
        operation.Prepare(ref sqe, userData);
        if (owner is not null)
        {
            owner.Residency.InFlight++;
        }

        return true;
    }

    /// <summary>An SQE whose completion nobody waits for; the caller sets user_data to <see cref="InternalUserData"/> (loop thread only).</summary>
    public ref IoUringSqe SubmitUntracked()
    {
        Debug.Assert(IsCurrentThread);
        return ref NextSqe();
    }

    /// <summary>Asks the kernel to cancel <paramref name="operation"/>; its final completion still arrives and releases it.</summary>
    public void Cancel(RingOperation operation)
    {
        Debug.Assert(IsCurrentThread);
        if (!operation.InFlight)
        {
            return;
        }

        ref IoUringSqe sqe = ref NextSqe();
        Sqe.Cancel(ref sqe, operation.UserData, InternalUserData);
    }

    /// <summary>Marks the loop stopping (a failure was recorded): nothing more is submitted and the loop drains.</summary>
    internal void BeginStopping() => _stopping = true;

    /// <summary>Stops the loop: cancels everything in flight, waits for every final completion, then frees the ring.</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            _stopped.Task.Wait(DrainTimeout + TimeSpan.FromSeconds(5));
            return;
        }

        _stopping = true;
        ForceWake();
        if (!IsCurrentThread)
        {
            _stopped.Task.Wait(DrainTimeout + TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>A task that completes when the loop thread has exited.</summary>
    public Task Stopped => _stopped.Task;

    internal void Dispatch(ulong userData, int result, uint flags)
    {
        Statistics.Completions++;
        if (userData == InternalUserData)
        {
            return;
        }

        RingOperation? operation = _operations.Find(userData);
        if (operation is null)
        {
            // Only possible for a completion whose operation was already finalised: ignore, never misdeliver.
            Statistics.StaleCompletions++;
            return;
        }

        bool final;
        try
        {
            final = operation.OnCompletion(this, result, flags);
        }
        catch (Exception ex) when (_failures.Failure is null)
        {
            final = (flags & IoUringConstants.CqeFMore) == 0;
            _failures.HandlerFailed(operation, ex, final);
        }

        if (final)
        {
            Release(operation);
        }
    }

    /// <summary>The final completion: the slot is freed, the operation may resubmit itself, and a closing owner whose last operation this was is told.</summary>
    private void Release(RingOperation operation)
    {
        _operations.Remove(operation);
        IRingResident? owner = operation.Owner;
        if (owner is not null)
        {
            owner.Residency.InFlight--;
        }

        try
        {
            operation.OnReleased(this);
        }
        catch (Exception ex) when (_failures.Failure is null)
        {
            _failures.HandlerFailed(operation, ex, final: true);
        }

        if (owner is not null && owner.Residency.InFlight == 0 && owner.IsClosing)
        {
            try
            {
                owner.OnDrained();
            }
            catch (Exception ex) when (_failures.Failure is null)
            {
                Log.CompletionHandlerFailed(_logger, Index, ex);
            }
        }
    }

    private ref IoUringSqe NextSqe()
    {
        IoUring ring = _ring!;
        ref IoUringSqe sqe = ref ring.TryGetSqe();
        while (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref sqe))
        {
            // SQ full: hand what we have to the kernel (no waiting, no reaping: we may be inside a completion handler).
            Statistics.SqFull++;
            int rc = ring.SubmitAndWait(0);
            if (rc < 0 && rc != -Libc.EINTR && rc != -Libc.EBUSY && rc != -Libc.EAGAIN)
            {
                // Not an ordinary exception: the caller may be a completion handler, whose catch must not swallow it.
                throw _failures.Fail(RingFailedException.FromErrno(Index, -rc, "io_uring_enter (submission queue full)"));
            }

            if (rc <= 0)
            {
                Thread.Yield();
            }

            sqe = ref ring.TryGetSqe();
        }

        return ref sqe;
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _sleeping, 0) == 1)
        {
            WriteEventFd();
        }
    }

    private void ForceWake()
    {
        Interlocked.Exchange(ref _sleeping, 0);
        WriteEventFd();
    }

    private void WriteEventFd()
    {
        FileDescriptorHandle? eventFd = _eventFd;
        if (eventFd is null)
        {
            return;
        }

        // The reference keeps the descriptor open for the write: a teardown racing us cannot close it (and let the
        // number be reused by someone else's file) between the check and the write.
        bool added = false;
        try
        {
            eventFd.DangerousAddRef(ref added);
            ulong one = 1;
            Libc.Write(eventFd.Fd, &one, sizeof(ulong));
            Statistics.Wakeups++;
        }
        catch (ObjectDisposedException)
        {
            // Closed already: the loop is gone, nobody needs waking.
        }
        finally
        {
            if (added)
            {
                eventFd.DangerousRelease();
            }
        }
    }

    private void Run()
    {
        t_current = this;
        try
        {
            Setup();
        }
        catch (Exception ex)
        {
            _stoppedFlag = true;
            _started.TrySetException(ex);
            _stopped.TrySetResult();
            return;
        }

        _started.TrySetResult();
        bool leaked = false;
        try
        {
            leaked = Loop();
            if (leaked)
            {
                _failures.Fail(new RingFailedException(Index, 0, $"{_operations.InFlight} operation(s) did not complete within {DrainTimeout.TotalSeconds:0} s of being cancelled"));
            }
        }
        catch (Exception ex)
        {
            // A failing ring must not free memory the kernel may still write: keep it (Teardown), fail what waits on it.
            leaked = true;
            _failures.Fail(ex as RingFailedException ?? new RingFailedException(Index, 0, $"the ring thread threw {ex.GetType().Name}: {ex.Message}", ex));
        }
        finally
        {
            _stopping = true;
            if (_failures.Failure is { } failure)
            {
                _failures.Report(failure);
                _failures.FailInFlight(failure, _operations.Snapshot());
            }

            _stoppedFlag = true;
            Teardown(leaked);
            _stopped.TrySetResult();
        }
    }

    private void Setup()
    {
        int rc = IoUring.TryCreate(_settings.SubmissionEntries, _settings.CompletionEntries, _settings.SetupFlags, out IoUring? ring);
        if (rc < 0)
        {
            throw new IOException($"io_uring_setup failed with errno {-rc} for ring {Index}.");
        }

        _ring = ring!;
        int efd = Libc.EventFd(0, Libc.EFD_CLOEXEC);
        if (efd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            _ring.Dispose();
            throw new IOException($"eventfd failed with errno {errno}.");
        }

        _eventFd = new FileDescriptorHandle(efd);
        _wake = new WakeOperation(efd);
        Submit(_wake);

        _settings.OnStarted?.Invoke(this);
    }

    /// <summary>io_uring_register on this loop's ring (loop thread only, as single-issuer rings require). Returns the result or -errno.</summary>
    public int Register(uint opcode, void* argument, uint count)
    {
        Debug.Assert(IsCurrentThread);
        return _ring!.Register(opcode, argument, count);
    }

    private bool Loop()
    {
        IoUring ring = _ring!;
        var handler = new DispatchHandler(this);
        long drainDeadline = 0;
        bool cancelIssued = false;
        while (true)
        {
            RunIncoming();
            if (_stopping)
            {
                if (!cancelIssued)
                {
                    cancelIssued = true;
                    drainDeadline = Stopwatch.GetTimestamp() + (long)(DrainTimeout.TotalSeconds * Stopwatch.Frequency);
                    Sqe.CancelAll(ref NextSqe(), InternalUserData);
                }

                if (_operations.InFlight == 0 && ring.PendingSubmissions == 0)
                {
                    return false;
                }

                if (Stopwatch.GetTimestamp() > drainDeadline)
                {
                    Log.DrainTimedOut(_logger, Index, _operations.InFlight);
                    return true;
                }
            }

            uint wait = 1;
            bool woke = false;
            bool spinning = false;
            if (_stopping || !_incoming.IsEmpty || ring.HasOverflowBacklog || _afterReap.Count > 0)
            {
                wait = 0;
            }
            else if (_busyPoll.WantsSpin(CompletionsPerWake, _lastBatch))
            {
                // Submit first (what this batch prepared is what the peer answers), then spin for that answer.
                spinning = true;
                if (ring.PendingSubmissions != 0 || _busyPoll.Spin(ring, _hasPostedWork))
                {
                    wait = 0;
                    woke = ring.PendingSubmissions == 0;
                }
            }

            if (wait != 0)
            {
                Interlocked.Exchange(ref _sleeping, 1);
                if (!_incoming.IsEmpty)
                {
                    wait = 0;
                    Volatile.Write(ref _sleeping, 0);
                }
            }

            long slept = wait != 0 ? Stopwatch.GetTimestamp() : 0;
            int rc = Faults.Apply(_waitPolicy.SubmitAndWait(ring, wait));
            Volatile.Write(ref _sleeping, 0);
            if (wait != 0)
            {
                _busyPoll.OnSlept(Stopwatch.GetTimestamp() - slept);
                woke = true;
            }

            if (rc < 0 && rc != -Libc.EINTR && rc != -Libc.EBUSY && rc != -Libc.EAGAIN && rc != -Libc.ETIME)
            {
                throw _failures.Fail(RingFailedException.FromErrno(Index, -rc, "io_uring_enter"));
            }

            if (rc == -Libc.EBUSY)
            {
                // NODROP backlog could not be flushed completely: reaping below makes room; go round again.
                Statistics.OverflowRetries++;
            }

            int reaped = ring.ReapCompletions(ref handler);
            if (woke)
            {
                // A moving average over the last eight or so sleeps, in sixteenths of a completion. A spin's wake-up
                // also counts what the submit before it reaped, as one sleeping enter would have.
                int batch = Math.Min(reaped + _carriedCompletions, 1024);
                _carriedCompletions = 0;
                _lastBatch = batch;
                Volatile.Write(ref _batchAverage, _batchAverage - (_batchAverage >> 3) + (batch << 1));
            }
            else if (spinning)
            {
                _carriedCompletions += reaped;
            }

            if (reaped == 0 && _stopping)
            {
                Thread.Sleep(1);
            }

            if (ring.HasOverflowBacklog)
            {
                Statistics.OverflowRetries++;
            }

            RunAfterReap();
        }
    }

    private void RunIncoming()
    {
        // Bounded so a producer that posts continuously cannot starve completions.
        int budget = 4096;
        while (budget-- > 0 && _incoming.TryDequeue(out (RingWork Work, RingCommand Command) item))
        {
            try
            {
                item.Work.Execute(this, item.Command);
            }
            catch (Exception ex) when (_failures.Failure is null)
            {
                Log.CompletionHandlerFailed(_logger, Index, ex);
            }
        }
    }

    private void RunAfterReap()
    {
        if (_afterReap.Count == 0)
        {
            return;
        }

        // Handlers may add more while running; process a stable copy of the count.
        int count = _afterReap.Count;
        for (int i = 0; i < count; i++)
        {
            RingWork work = _afterReap[i];
            try
            {
                work.Execute(this, RingCommand.Custom);
            }
            catch (Exception ex) when (_failures.Failure is null)
            {
                Log.CompletionHandlerFailed(_logger, Index, ex);
            }
        }

        _afterReap.RemoveRange(0, count);
    }

    private void Teardown(bool leaked)
    {
        RejectQueued();

        if (leaked)
        {
            // Operations still in flight may write into the slab or pinned memory: keep ring, slab and buffers alive forever.
            GC.KeepAlive(this);
            s_leakedLoops.Add(this);
            return;
        }

        for (int i = Attachments.Count - 1; i >= 0; i--)
        {
            try
            {
                Attachments[i].Dispose();
            }
            catch (Exception ex)
            {
                Log.CompletionHandlerFailed(_logger, Index, ex);
            }
        }

        _wake?.Free();
        _ring?.Dispose();
        _eventFd?.Dispose();
    }

    private static readonly ConcurrentBag<RingEventLoop> s_leakedLoops = new();

    /// <summary>Work posted after the thread decided to stop is failed, never silently dropped.</summary>
    private void RejectQueued()
    {
        while (_incoming.TryDequeue(out (RingWork Work, RingCommand Command) item))
        {
            if (item.Command == RingCommand.Cancel)
            {
                continue;
            }

            try
            {
                if (item.Work is IRejectable rejectable)
                {
                    rejectable.Reject();
                }
                else if (item.Work is RingOperation operation && item.Command == RingCommand.Submit)
                {
                    // An operation that never reached the ring is refused as the submit path would have refused it
                    // (a multishot accept or receive then fails its waiter with the ring's failure or its disposal).
                    operation.OnRefused(this, SubmitRefusal.Stopping);
                }
            }
            catch (Exception ex)
            {
                Log.CompletionHandlerFailed(_logger, Index, ex);
            }
        }
    }

    private struct DispatchHandler : ICompletionHandler
    {
        private readonly RingEventLoop _loop;

        public DispatchHandler(RingEventLoop loop) => _loop = loop;

        public void OnCompletion(ulong userData, int result, uint flags) => _loop.Dispatch(userData, result, flags);
    }
}
