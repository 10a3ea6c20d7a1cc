namespace BypassNet.Analyzers.Tests;

/// <summary>A <see cref="PackagingFactAttribute"/> with data: runs by default, skipped with BYPASSNET_SKIP_PACKAGING_TESTS=1.</summary>
public sealed class PackagingTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the opt-out variable is set.</summary>
    public PackagingTheoryAttribute()
    {
        if (Environment.GetEnvironmentVariable("BYPASSNET_SKIP_PACKAGING_TESTS") == "1")
        {
            Skip = "BYPASSNET_SKIP_PACKAGING_TESTS=1";
        }
    }
}
