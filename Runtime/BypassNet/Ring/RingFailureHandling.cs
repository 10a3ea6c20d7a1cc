using BypassNet.Diagnostics;
using Microsoft.Extensions.Logging;

namespace BypassNet.Ring;

/// <summary>
/// How one <see cref="RingEventLoop"/> fails: the first cause is recorded (and stops the loop), reported once, and
/// every operation still in flight is completed with it; a completion handler that throws fails only its operation.
/// Loop thread only, except <see cref="Failure"/>, which anyone may read.
/// </summary>
internal sealed class RingFailureHandling
{
    private readonly RingEventLoop _loop;
    private readonly ILogger _logger;
    private volatile RingFailedException? _failure;

    public RingFailureHandling(RingEventLoop loop, ILogger logger)
    {
        _loop = loop;
        _logger = logger;
    }

    /// <summary>Why the ring failed, or null while it works (or stopped normally). Set before anything pending is failed.</summary>
    public RingFailedException? Failure => _failure;

    /// <summary>Records the ring's failure once (the first cause wins), stops the loop and returns it for throwing.</summary>
    public RingFailedException Fail(RingFailedException failure)
    {
        _loop.BeginStopping();
        return _failure ??= failure;
    }

    /// <summary>Logs the failure and tells the settings' <see cref="RingLoopSettings.OnFailed"/> (metrics); never throws.</summary>
    public void Report(RingFailedException failure)
    {
        Log.RingFailed(_logger, _loop.Index, failure);
        try
        {
            _loop.Settings.OnFailed?.Invoke(_loop, failure);
        }
        catch (Exception ex)
        {
            Log.CompletionHandlerFailed(_logger, _loop.Index, ex);
        }
    }

    /// <summary>
    /// The ring failed: every operation still in the table completes its awaiter with the failure. None is released,
    /// so whatever it names (buffers, pinned memory, sockaddrs) stays alive with the leaked ring. Closing residents are
    /// told they drained — no SQE will ever be submitted again, so their descriptors may be closed.
    /// </summary>
    public void FailInFlight(RingFailedException failure, List<RingOperation> inFlight)
    {
        var owners = new HashSet<IRingResident>(ReferenceEqualityComparer.Instance);
        foreach (RingOperation operation in inFlight)
        {
            try
            {
                operation.OnFault(_loop, failure.Copy());
            }
            catch (Exception ex)
            {
                Log.CompletionHandlerFailed(_logger, _loop.Index, ex);
            }

            if (operation.Owner is { } owner)
            {
                owners.Add(owner);
            }
        }

        foreach (IRingResident owner in owners)
        {
            if (owner.IsClosing)
            {
                try
                {
                    owner.OnDrained();
                }
                catch (Exception ex)
                {
                    Log.CompletionHandlerFailed(_logger, _loop.Index, ex);
                }
            }
        }
    }

    /// <summary>
    /// A completion handler threw: the operation's awaiter gets the exception (logging alone would leave it waiting
    /// forever), and a multishot request is cancelled so no further completion reaches a handler that is broken.
    /// </summary>
    public void HandlerFailed(RingOperation operation, Exception error, bool final)
    {
        Log.CompletionHandlerFailed(_logger, _loop.Index, error);
        try
        {
            operation.OnFault(_loop, error);
        }
        catch (Exception ex) when (_failure is null)
        {
            Log.CompletionHandlerFailed(_logger, _loop.Index, ex);
        }

        if (!final)
        {
            _loop.Cancel(operation);
        }
    }
}
