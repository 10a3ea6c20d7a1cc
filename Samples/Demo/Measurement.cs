namespace BypassNet.Samples.Demo;

/// <summary>What one server did under one load over one measurement window.</summary>
/// <param name="Server">The server's name.</param>
/// <param name="Load">The load it was under.</param>
/// <param name="RoundTrips">Round trips the client completed over its window.</param>
/// <param name="ClientSeconds">The client's window (between its two marks).</param>
/// <param name="ServerSeconds">The server-side window (allocation and system call counters), inside the client's.</param>
/// <param name="AllocatedBytes">Bytes the server process allocated in its window; null when it cannot tell (not .NET).</param>
/// <param name="Syscalls">System calls the server process made in its window; null when perf events are unavailable.</param>
/// <param name="Enters">io_uring_enter calls among them; null when perf events are unavailable.</param>
/// <param name="ServerCpuSeconds">CPU time (utime + stime in /proc/PID/stat) the server process used in its window.</param>
/// <param name="ClientCpuSeconds">CPU time the load client used over about the same window: on a small machine it competes with the server.</param>
/// <param name="P50">Median round-trip time in microseconds, as the client saw it, over its window.</param>
/// <param name="P99">99th percentile round-trip time in microseconds.</param>
internal sealed record Measurement(
    string Server,
    LoadCase Load,
    long RoundTrips,
    double ClientSeconds,
    double ServerSeconds,
    long? AllocatedBytes,
    long? Syscalls,
    long? Enters,
    double ServerCpuSeconds,
    double ClientCpuSeconds,
    double P50,
    double P99)
{
    public double RoundTripsPerSecond => RoundTrips / ClientSeconds;

    /// <summary>Payload echoed per second, in 10^6 bytes (each byte travels both ways; counted once).</summary>
    public double MegabytesPerSecond => RoundTripsPerSecond * Load.MessageSize / 1e6;

    /// <summary>Round trips inside the server's window (the client's rate over the server's duration).</summary>
    private double ServerRoundTrips => RoundTripsPerSecond * ServerSeconds;

    public double? AllocatedPerRoundTrip => AllocatedBytes / ServerRoundTrips;

    public double? SyscallsPerRoundTrip => Syscalls / ServerRoundTrips;

    public double? EntersPerRoundTrip => Enters / ServerRoundTrips;

    /// <summary>Server CPU time per round trip, in microseconds: the cost that decides throughput once cores are busy.</summary>
    public double CpuMicrosecondsPerRoundTrip => ServerCpuSeconds * 1e6 / ServerRoundTrips;

    /// <summary>Share of one core the server used (200 % = both cores of a two-core machine).</summary>
    public double ServerCpuPercent => ServerCpuSeconds / ServerSeconds * 100;

    public double ClientCpuPercent => ClientCpuSeconds / ServerSeconds * 100;
}
