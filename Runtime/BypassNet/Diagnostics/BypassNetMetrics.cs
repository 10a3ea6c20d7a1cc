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

    private static readonly Lock s_lock = new();
    private static readonly List<BypassRuntime> s_runtimes = new();
    private static readonly Meter s_meter = new(MeterName, "0.1.0");
    private static readonly Counter<long> s_ringFaults = s_meter.CreateCounter<long>("bypassnet.ring.faults", "{event}", "Ring faults (tag kind: ring_failed, drain_timed_out, completion_handler)");

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
        // Receive share (issue 13): what a stalled, dribbling or flooding peer costs, and how often the ring ran dry.
        s_meter.CreateObservableUpDownCounter("bypassnet.receive.slots_held", () => SumEngines(HeldSlots), "{slot}", "Receive-ring slots out of the kernel's hands (queued or leased)");
        s_meter.CreateObservableCounter("bypassnet.receive.compactions", () => SumEngines(e => e.Statistics.Sum().Compactions), "{event}", "Queued receive data copied out of ring slots");
        s_meter.CreateObservableCounter("bypassnet.receive.compacted_bytes", () => SumEngines(e => e.Statistics.Sum().CompactedBytes), "By", "Bytes copied out of ring slots by compaction");
        s_meter.CreateObservableCounter("bypassnet.receive.pauses", () => SumEngines(e => e.Statistics.Sum().ReceivePauses), "{event}", "Receives paused at the per-connection unread budget");
        s_meter.CreateObservableUpDownCounter("bypassnet.runtimes.fallback", () => Count(r => r.Engine == EngineKind.Socket), "{runtime}", "Runtimes running on the socket engine");
        s_meter.CreateObservableGauge("bypassnet.runtimes", RuntimesByEngine, "{runtime}", "Live runtimes by engine (tag engine: IoUring or Socket)");
        s_meter.CreateObservableGauge("bypassnet.runtimes.degraded", RuntimesByDegradation, "{runtime}", "Live runtimes running without an optional io_uring feature (tag feature)");
    }

    /// <summary>Counts a ring fault (also written to the EventSource and the log by the caller).</summary>
    internal static void RecordRingFault(string kind) => s_ringFaults.Add(1, new KeyValuePair<string, object?>("kind", kind));

    private static IEnumerable<Measurement<int>> RuntimesByEngine()
    {
        lock (s_lock)
        {
            int ioUring = 0, socket = 0;
            foreach (BypassRuntime runtime in s_runtimes)
            {
                if (runtime.Engine == EngineKind.IoUring)
                {
                    ioUring++;
                }
                else
                {
                    socket++;
                }
            }

            return
            [
                new Measurement<int>(ioUring, new KeyValuePair<string, object?>("engine", nameof(EngineKind.IoUring))),
                new Measurement<int>(socket, new KeyValuePair<string, object?>("engine", nameof(EngineKind.Socket))),
            ];
        }
    }

    private static IEnumerable<Measurement<int>> RuntimesByDegradation()
    {
        lock (s_lock)
        {
            var counts = new Dictionary<string, int>();
            foreach (BypassRuntime runtime in s_runtimes)
            {
                foreach (Degradation degradation in runtime.Degradations)
                {
                    counts[degradation.Feature] = counts.GetValueOrDefault(degradation.Feature) + 1;
                }
            }

            var measurements = new List<Measurement<int>>(counts.Count);
            foreach ((string feature, int count) in counts)
            {
                measurements.Add(new Measurement<int>(count, new KeyValuePair<string, object?>("feature", feature)));
            }

            return measurements;
        }
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

    private static long SumEngines(Func<Engines.SocketEngine, long> selector)
    {
        lock (s_lock)
        {
            long total = 0;
            foreach (BypassRuntime runtime in s_runtimes)
            {
                try
                {
                    total += selector(runtime.EngineImpl);
                }
                catch (ObjectDisposedException)
                {
                    // Disposed between tracking and this read: it holds nothing any more.
                }
            }

            return total;
        }
    }

    private static long HeldSlots(Engines.SocketEngine engine)
    {
        long held = 0;
        if (engine is Engines.Uring.IoUringSocketEngine io)
        {
            foreach (Engines.Uring.RingContext ring in io.Rings)
            {
                if (ring.ReceiveRing is { } r)
                {
                    held += r.Count - r.Available;
                }
            }
        }
        else if (engine is Engines.Managed.ManagedSocketEngine managed)
        {
            // The socket engine never reads ahead: its receive buffers out are leases the application holds.
            held = managed.ReceivePool.Count - managed.ReceivePool.Available;
        }

        return held;
    }

    private static int Count(Func<BypassRuntime, bool> predicate)
    {
        lock (s_lock)
        {
            return s_runtimes.Count(predicate);
        }
    }
}
