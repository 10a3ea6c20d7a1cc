namespace BypassNet.Samples;

/// <summary>The start-up lines a sample prints about its runtime: the engine, why it fell back, and each degradation.</summary>
public static class RuntimeReport
{
    /// <summary>"engine IoUring" / "engine Socket (fell back: ...)", then one "degraded: Feature: reason" line per degradation.</summary>
    public static IReadOnlyList<string> Describe(BypassRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var lines = new List<string>
        {
            runtime.FallbackReason is null ? $"engine {runtime.Engine}" : $"engine {runtime.Engine} (fell back: {runtime.FallbackReason})",
        };
        foreach (Degradation degradation in runtime.Degradations)
        {
            lines.Add($"degraded: {degradation.Feature}: {degradation.Reason}");
        }

        return lines;
    }
}
