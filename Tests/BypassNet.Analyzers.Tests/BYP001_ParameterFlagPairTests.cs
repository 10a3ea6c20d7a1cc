using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// A bool parameter tested by two branches or more is a flag: unknown at entry, split at its first test, followed by
/// the later ones. So `SendAsync(first ? a : b)` then `if (first) b.Dispose(); else a.Dispose();` is silent, and
/// disposing the one that was sent is reported. Each bug is paired with its corrected twin.
/// </summary>
public sealed class BYP001_ParameterFlagPairTests
{
    [Theory]
    [InlineData("the buffer chosen by a parameter is sent, then disposed by the same choice", """
        async Task M(bool first)
        {
            OwnedBuffer a = {|BYP003:pool.Rent()|};
            OwnedBuffer b = {|BYP003:pool.Rent()|};
            await sock.SendAsync(first ? a : b);
            if (first) { {|BYP001:a|}.Dispose(); } else { {|BYP001:b|}.Dispose(); }
        }
        """, """
        async Task M(bool first)
        {
            OwnedBuffer a = pool.Rent();
            OwnedBuffer b = pool.Rent();
            await sock.SendAsync(first ? a : b);
            if (first) { b.Dispose(); } else { a.Dispose(); }
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyStructPairAsync(bug, fix);
    }
}
