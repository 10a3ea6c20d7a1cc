namespace BypassNet.Samples.Demo;

/// <summary>What one server did under one load over one measurement window.</summary>
/// <param name="Server">The server's name.</param>
/// <param name="Load">The load it was under.</param>
/// <param name="RoundTrips">Round trips the client completed over its window.</param>
/// <param name="ClientSeconds">The client's window (between its two marks).</param>
/// <param name="ServerSeconds">The server-side window (allocation, system call and ring counters), inside the client's.</param>
/// <param name="AllocatedBytes">Bytes the server process allocated in its window; null when the server runs elsewhere.</param>
/// <param name="Syscalls">System calls the server process made in its window; null when perf events are unavailable.</param>
/// <param name="Ring">The server's io_uring counters over its window, if it has any.</param>
/// <param name="ServerCpuSeconds">CPU time (user + system) the server process used in its window.</param>
/// <param name="ClientCpuSeconds">CPU time the load client used over about the same window: on a small machine it competes with the server.</param>
internal sealed record Measurement(
    string Server,
    LoadCase Load,
    long RoundTrips,
    double ClientSeconds,
    double ServerSeconds,
    long? AllocatedBytes,
    long? Syscalls,
    RingFigures? Ring,
    double ServerCpuSeconds,
    double ClientCpuSeconds)
{
    public double RoundTripsPerSecond => RoundTrips / ClientSeconds;

    /// <summary>Payload echoed per second, in 10^6 bytes (each byte travels both ways; counted once).</summary>
    public double MegabytesPerSecond => RoundTripsPerSecond * Load.MessageSize / 1e6;

    /// <summary>Round trips inside the server's window (the client's rate over the server's duration).</summary>
    private double ServerRoundTrips => RoundTripsPerSecond * ServerSeconds;

    public double? AllocatedPerRoundTrip => AllocatedBytes / ServerRoundTrips;

    public double? SyscallsPerRoundTrip => Syscalls / ServerRoundTrips;

    /// <summary>Server CPU time per round trip, in microseconds: the cost that decides throughput once cores are busy.</summary>
    public double CpuMicrosecondsPerRoundTrip => ServerCpuSeconds * 1e6 / ServerRoundTrips;

    /// <summary>Share of one core the server used (200 % = both cores of a two-core machine).</summary>
    public double ServerCpuPercent => ServerCpuSeconds / ServerSeconds * 100;

    public double ClientCpuPercent => ClientCpuSeconds / ServerSeconds * 100;

    public double? EntersPerRoundTrip => Ring?.Enters / ServerRoundTrips;

    /// <summary>Completions reaped per io_uring_enter: how well the ring batches.</summary>
    public double? CompletionsPerEnter => Ring is { Enters: > 0 } ring ? ring.Completions / (double)ring.Enters : null;
}
