namespace BypassNet.Samples.Demo;

/// <summary>
/// What the load loops check between exchanges: run, pause (the benchmark lets one server at a time work) or stop.
/// Cheaper than a token registration per operation; a paused loop waits on a task, not a spinning thread.
/// </summary>
internal sealed class LoadGate
{
    private readonly object _lock = new();
    private TaskCompletionSource? _resumed;
    private volatile bool _paused;
    private volatile bool _stopped;

    public bool IsStopped => _stopped;

    /// <summary>Completes at once while running; while paused, when resumed or stopped.</summary>
    public ValueTask WaitWhilePausedAsync()
    {
        if (!_paused)
        {
            return ValueTask.CompletedTask;
        }

        lock (_lock)
        {
            return _resumed is { } resumed ? new ValueTask(resumed.Task) : ValueTask.CompletedTask;
        }
    }

    public void Pause()
    {
        lock (_lock)
        {
            _resumed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _paused = true;
        }
    }

    public void Resume()
    {
        TaskCompletionSource? resumed;
        lock (_lock)
        {
            _paused = false;
            resumed = _resumed;
            _resumed = null;
        }

        resumed?.TrySetResult();
    }

    public void Stop()
    {
        _stopped = true;
        Resume();
    }
}
