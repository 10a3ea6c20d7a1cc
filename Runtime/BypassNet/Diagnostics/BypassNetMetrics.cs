using System.Diagnostics.Metrics;

namespace BypassNet;

/// <summary>
/// System.Diagnostics.Metrics instruments of the meter named <see cref="MeterName"/>. Observable instruments read the
/// runtimes' own counters when a listener asks, so the hot path pays nothing for metrics.
/// </summary>
public static class BypassNetMetrics
{
    /// <summary>The meter name to listen to (dotnet-counters, OpenTelemetry).</summary>
    public const string MeterName = "BypassNet";

    private static readonly object s_lock = new();
    private static readonly List<BypassRuntime> s_runtimes = new();
    private static readonly Meter s_meter = new(MeterName, "0.1.0");

    // A pushed counter: a ring failure is an event (rare, tagged with its cause), not a figure to poll.
    private static readonly Counter<long> s_ringFailures = s_meter.CreateCounter<long>("bypassnet.ring.failures", "{ring}", "Rings that failed (their pending operations were failed; sockets on other rings go on)");

    static BypassNetMetrics()
    {
        s_meter.CreateObservableCounter("bypassnet.sends", () => Sum(s => s.Sends), "{operation}", "Completed sends");
        s_meter.CreateObservableCounter("bypassnet.receives", () => Sum(s => s.Receives), "{operation}", "Completed receives");
        s_meter.CreateObservableCounter("bypassnet.bytes_sent", () => Sum(s => s.BytesSent), "By", "Bytes sent");
        s_meter.CreateObservableCounter("bypassnet.bytes_received", () => Sum(s => s.BytesReceived), "By", "Bytes received");
        s_meter.CreateObservableCounter("bypassnet.sends.zero_copy", () => Sum(s => s.ZeroCopySends), "{operation}", "Sends transmitted without a copy");
        s_meter.CreateObservableCounter("bypassnet.sends.zero_copy_copied", () => Sum(s => s.ZeroCopyCopied), "{operation}", "Zero-copy sends the kernel copied anyway");
        s_meter.CreateObservableCounter("bypassnet.receive.enobufs_rearms", () => Sum(s => s.BufferStarvations), "{event}", "Multishot receives re-armed after the buffer ring ran dry");
        s_meter.CreateObservableCounter("bypassnet.ring.enters", () => Sum(s => s.RingEnters), "{syscall}", "io_uring_enter calls");
        s_meter.CreateObservableCounter("bypassnet.ring.submissions", () => Sum(s => s.RingSubmissions), "{entry}", "SQEs submitted");
        s_meter.CreateObservableCounter("bypassnet.ring.completions", () => Sum(s => s.RingCompletions), "{entry}", "CQEs reaped");
        s_meter.CreateObservableUpDownCounter("bypassnet.runtimes.fallback", () => Count(r => r.Engine == EngineKind.Socket), "{runtime}", "Runtimes running on the socket engine");
    }

    /// <summary>A ring failed with <paramref name="errno"/> (0 when the cause was not a system call error).</summary>
    internal static void RecordRingFailure(int ring, int errno) =>
        s_ringFailures.Add(1, new KeyValuePair<string, object?>("ring", ring), new KeyValuePair<string, object?>("errno", errno));

    internal static void Track(BypassRuntime runtime)
    {
        lock (s_lock)
        {
            s_runtimes.Add(runtime);
        }
    }

    internal static void Untrack(BypassRuntime runtime)
    {
        lock (s_lock)
        {
            s_runtimes.Remove(runtime);
        }
    }

    private static long Sum(Func<BypassStatistics, long> selector)
    {
        lock (s_lock)
        {
            long total = 0;
            foreach (BypassRuntime runtime in s_runtimes)
            {
                total += selector(runtime.GetStatistics());
            }

            return total;
        }
    }

    private static int Count(Func<BypassRuntime, bool> predicate)
    {
        lock (s_lock)
        {
            return s_runtimes.Count(predicate);
        }
    }
}
