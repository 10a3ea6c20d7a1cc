namespace BypassNet.Analyzers.Tests;

/// <summary>
/// A fact that runs by default (CI included) and can be skipped with BYPASSNET_SKIP_PACKAGING_TESTS=1 on a
/// machine without the NuGet source.
/// </summary>
public sealed class PackagingFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the opt-out variable is set.</summary>
    public PackagingFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("BYPASSNET_SKIP_PACKAGING_TESTS") == "1")
        {
            Skip = "BYPASSNET_SKIP_PACKAGING_TESTS=1";
        }
    }
}
