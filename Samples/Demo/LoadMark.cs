namespace BypassNet.Samples.Demo;

/// <summary>
/// The load client's answer to <c>mark</c>: round trips so far, when it counted them (a Stopwatch timestamp), and the
/// round-trip percentiles in microseconds since its previous mark.
/// </summary>
internal readonly record struct LoadMark(long RoundTrips, long Timestamp, double P50, double P99);
