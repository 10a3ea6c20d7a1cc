using Microsoft.Extensions.Logging;

namespace BypassNet.Diagnostics;

/// <summary>Every log event BypassNet writes, with stable event ids (1xx engine choice and degradations, 2xx ring-level degradations, 3xx ring faults).</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "BypassNet engine: io_uring with {RingCount} ring(s) ({Capabilities})")]
    public static partial void IoUringSelected(ILogger logger, int ringCount, Capabilities capabilities);

    [LoggerMessage(101, LogLevel.Warning, "BypassNet engine: falling back to System.Net.Sockets: {Reason}")]
    public static partial void FallbackSelected(ILogger logger, string reason);

    [LoggerMessage(102, LogLevel.Information, "BypassNet engine: System.Net.Sockets forced by {Source}")]
    public static partial void SocketEngineForced(ILogger logger, string source);

    [LoggerMessage(200, LogLevel.Warning, "Ring {Ring}: buffer registration failed (errno {Errno}: {Reason}); zero-copy sends will pin pages per request instead")]
    public static partial void FixedBuffersUnavailable(ILogger logger, int ring, int errno, string reason);

    [LoggerMessage(201, LogLevel.Warning, "Ring {Ring}: provided buffer ring registration failed (errno {Errno}); the io_uring engine needs it, so the socket engine is used")]
    public static partial void BufferRingUnavailable(ILogger logger, int ring, int errno);

    [LoggerMessage(202, LogLevel.Information, "io_uring feature(s) {Features} unavailable or disabled; using the degraded path for each")]
    public static partial void FeaturesDegraded(ILogger logger, IoUringFeatures features);

    [LoggerMessage(203, LogLevel.Debug, "Socket {Fd}: the kernel copied a zero-copy send (loopback or no SG support); switching this socket to plain SEND")]
    public static partial void ZeroCopyCopied(ILogger logger, int fd);

    [LoggerMessage(103, LogLevel.Warning, "BypassNet runs without {Feature}: {Reason}")]
    public static partial void Degraded(ILogger logger, string feature, string reason);

    /// <summary>Ring faults also go to the EventSource and the meter: they matter even where no logger is configured.</summary>
    public static void CompletionHandlerFailed(ILogger logger, int ring, Exception exception)
    {
        BypassNetEventSource.Log.CompletionHandlerFailed(ring, exception.Message);
        BypassNetMetrics.RecordRingFault("completion_handler");
        CompletionHandlerFailedCore(logger, ring, exception);
    }

    public static void RingFailed(ILogger logger, int ring, Exception exception)
    {
        BypassNetEventSource.Log.RingFailed(ring, $"{exception.GetType().Name}: {exception.Message}");
        BypassNetMetrics.RecordRingFault("ring_failed");
        RingFailedCore(logger, ring, exception);
    }

    public static void DrainTimedOut(ILogger logger, int ring, int inFlight)
    {
        BypassNetEventSource.Log.DrainTimedOut(ring, inFlight);
        BypassNetMetrics.RecordRingFault("drain_timed_out");
        DrainTimedOutCore(logger, ring, inFlight);
    }

    [LoggerMessage(300, LogLevel.Error, "Ring {Ring}: a completion handler threw")]
    private static partial void CompletionHandlerFailedCore(ILogger logger, int ring, Exception exception);

    [LoggerMessage(301, LogLevel.Critical, "Ring {Ring} failed; its memory is kept (never freed while the kernel may write it)")]
    private static partial void RingFailedCore(ILogger logger, int ring, Exception exception);

    [LoggerMessage(302, LogLevel.Error, "Ring {Ring}: {InFlight} operation(s) did not complete after cancellation; the ring and its buffers are leaked on purpose so the kernel never writes freed memory")]
    private static partial void DrainTimedOutCore(ILogger logger, int ring, int inFlight);

    [LoggerMessage(304, LogLevel.Warning, "Listener {Fd}: accept failed with {Errno} (out of descriptors); retrying every {BackoffMs} ms, connections wait in the backlog")]
    public static partial void AcceptBackingOff(ILogger logger, int fd, string errno, int backoffMs);

    [LoggerMessage(305, LogLevel.Information, "Listener {Fd}: descriptors available again; accepting")]
    public static partial void AcceptResumed(ILogger logger, int fd);

    [LoggerMessage(303, LogLevel.Critical, "{Owner}: buffer slot {Slot} was written after it was returned (bytes {First}..{Last} changed, first is 0x{Found:X2}); some code used a stale pointer or span")]
    public static partial void BufferCorrupted(ILogger logger, string owner, int slot, int first, int last, byte found);
}
