using System.Diagnostics.Tracing;

namespace BypassNet.Diagnostics;

/// <summary>
/// The EventSource named "BypassNet": engine choice, fallbacks, degradations and ring faults, for dotnet-trace,
/// PerfView or an in-process EventListener, with no configuration in the application. Costs a flag check when
/// nobody listens.
/// </summary>
[EventSource(Name = SourceName)]
internal sealed class BypassNetEventSource : EventSource
{
    /// <summary>The name tools subscribe to.</summary>
    public const string SourceName = "BypassNet";

    public const int EngineSelectedId = 1;
    public const int FallbackId = 2;
    public const int DegradedId = 3;
    public const int RingFailedId = 4;
    public const int DrainTimedOutId = 5;
    public const int CompletionHandlerFailedId = 6;

    public static readonly BypassNetEventSource Log = new();

    private BypassNetEventSource()
    {
    }

    /// <summary>A runtime chose its engine.</summary>
    [Event(EngineSelectedId, Level = EventLevel.Informational, Message = "BypassNet engine {0} with {1} ring(s) on kernel {2}: {3}")]
    public void EngineSelected(string engine, int ringCount, string kernel, string features) =>
        WriteEvent(EngineSelectedId, engine, ringCount, kernel, features);

    /// <summary>A runtime runs on the socket engine, and why.</summary>
    [Event(FallbackId, Level = EventLevel.Warning, Message = "BypassNet falls back to System.Net.Sockets: {0}")]
    public void Fallback(string reason) => WriteEvent(FallbackId, reason);

    /// <summary>A runtime on io_uring runs without an optional feature.</summary>
    [Event(DegradedId, Level = EventLevel.Warning, Message = "BypassNet runs without {0}: {1}")]
    public void Degraded(string feature, string reason) => WriteEvent(DegradedId, feature, reason);

    /// <summary>A ring's event loop failed.</summary>
    [Event(RingFailedId, Level = EventLevel.Critical, Message = "BypassNet ring {0} failed: {1}")]
    public void RingFailed(int ring, string error) => WriteEvent(RingFailedId, ring, error);

    /// <summary>A ring's operations did not all complete after cancellation; its memory is leaked on purpose.</summary>
    [Event(DrainTimedOutId, Level = EventLevel.Error, Message = "BypassNet ring {0}: {1} operation(s) did not complete after cancellation; memory kept")]
    public void DrainTimedOut(int ring, int inFlight) => WriteEvent(DrainTimedOutId, ring, inFlight);

    /// <summary>A completion handler threw.</summary>
    [Event(CompletionHandlerFailedId, Level = EventLevel.Error, Message = "BypassNet ring {0}: a completion handler threw: {1}")]
    public void CompletionHandlerFailed(int ring, string error) => WriteEvent(CompletionHandlerFailedId, ring, error);
}
