namespace BypassNet.Samples.Demo;

/// <summary>One load shape: how many connections each ping-pong messages of how many bytes.</summary>
internal sealed record LoadCase(string Key, int Connections, int MessageSize)
{
    /// <summary>One connection: nothing to batch, so this is the latency of one exchange through the server.</summary>
    public static readonly LoadCase Latency = new("latency", 1, 64);

    /// <summary>Many small exchanges: per-operation cost (system calls, wakeups, allocations) dominates.</summary>
    public static readonly LoadCase ManySmall = new("small", 64, 64);

    /// <summary>A thousand connections: per-connection state, fairness and the tail.</summary>
    public static readonly LoadCase Scale = new("scale", 1000, 64);

    /// <summary>Few large exchanges: byte moving (copies, buffer sizes) dominates.</summary>
    public static readonly LoadCase FewLarge = new("large", 4, 64 * 1024);

    /// <summary>What the demo runs (under a minute).</summary>
    public static IReadOnlyList<LoadCase> Standard { get; } = [ManySmall, FewLarge];

    /// <summary>What the benchmark runs.</summary>
    public static IReadOnlyList<LoadCase> All { get; } = [Latency, ManySmall, Scale, FewLarge];

    public string Title => $"{Connections} connection{(Connections == 1 ? string.Empty : "s")} x {FormatSize(MessageSize)} ping-pong";

    public static string FormatSize(int bytes) => bytes >= 1024 && bytes % 1024 == 0 ? $"{bytes / 1024} KiB" : $"{bytes} B";

    /// <summary>Parses a comma-separated list of keys (latency, small, scale, large) or "all".</summary>
    public static IReadOnlyList<LoadCase> ParseList(string value) =>
        value == "all" ? All : [.. value.Split(',').Select(key => All.FirstOrDefault(c => c.Key == key) ?? throw new ArgumentException($"unknown case '{key}': use latency, small, scale, large or all"))];
}
