using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// A value acquired straight into the method's own out parameter (`pool.TryRent(out taken)`) is the caller's, as if
/// it had been assigned to the parameter; acquired into a local and never passed out, it leaks. Each bug is paired
/// with its corrected twin, which must be silent. The struct handle the runtime ships is used: a TryX over it needs
/// no nullable annotation.
/// </summary>
public sealed class BYP003_OutParameterPairTests
{
    [Theory]
    [InlineData("a TryX helper that rents into a local and never passes it out", """
        bool TryTake(out OwnedBuffer taken)
        {
            taken = default;
            if (!pool.TryRent({|BYP003:out var buf|})) { return false; }
            buf.Length = 1;
            return true;
        }
        """, """
        bool TryTake(out OwnedBuffer taken)
        {
            if (!pool.TryRent(out taken)) { return false; }
            taken.Length = 1;
            return true;
        }
        """)]
    [InlineData("a helper that passes the value out on one path only", """
        bool TryTake(out OwnedBuffer taken)
        {
            var buf = {|BYP003:pool.Rent()|};
            if (buf.Capacity < 16) { taken = default; return false; }
            taken = buf;
            return true;
        }
        """, """
        bool TryTake(out OwnedBuffer taken)
        {
            var buf = pool.Rent();
            if (buf.Capacity < 16) { buf.Dispose(); taken = default; return false; }
            taken = buf;
            return true;
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyStructPairAsync(bug, fix);
    }
}
