namespace BypassNet.Samples.Demo;

/// <summary>One load shape: how many connections each ping-pong messages of how many bytes.</summary>
internal sealed record LoadCase(int Connections, int MessageSize)
{
    /// <summary>Many small exchanges: per-operation cost (system calls, wakeups, allocations) dominates.</summary>
    public static readonly LoadCase ManySmall = new(64, 64);

    /// <summary>Few large exchanges: byte moving (copies, buffer sizes) dominates.</summary>
    public static readonly LoadCase FewLarge = new(4, 64 * 1024);

    public static IReadOnlyList<LoadCase> Standard { get; } = [ManySmall, FewLarge];

    public string Title => $"{Connections} connections x {FormatSize(MessageSize)} ping-pong";

    public static string FormatSize(int bytes) => bytes >= 1024 && bytes % 1024 == 0 ? $"{bytes / 1024} KiB" : $"{bytes} B";
}
