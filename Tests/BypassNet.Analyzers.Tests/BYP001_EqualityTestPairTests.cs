using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// An equality test of a variable against a constant (`to is null`, `mode == 2`) made by two branches keeps the paths
/// apart by its outcome, like a bool flag: a send under `to is not null` and a dispose under `to is null` are silent,
/// a dispose under the same test as the send is a use after handoff. Each bug is paired with its corrected twin.
/// </summary>
public sealed class BYP001_EqualityTestPairTests
{
    [Theory]
    [InlineData("a null test of the target, repeated with the same outcome", """
        async Task M(BypassSocket? to)
        {
            OwnedBuffer buf = {|BYP003:await sock.ReceiveAsync()|};
            if (to is not null)
            {
                await to.SendAsync(buf);
            }

            if (to != null)
            {
                {|BYP001:buf|}.Dispose();
            }
        }
        """, """
        async Task M(BypassSocket? to)
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            if (to is not null)
            {
                await to.SendAsync(buf);
            }

            if (to == null)
            {
                buf.Dispose();
            }
        }
        """)]
    [InlineData("an integer mode tested twice the same way", """
        async Task M(int mode)
        {
            OwnedBuffer buf = {|BYP003:await sock.ReceiveAsync()|};
            if (mode == 2)
            {
                await sock.SendAsync(buf);
            }

            if (mode is 2)
            {
                {|BYP001:buf|}.Dispose();
            }
        }
        """, """
        async Task M(int mode)
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            if (mode == 2)
            {
                await sock.SendAsync(buf);
            }

            if (mode is not 2)
            {
                buf.Dispose();
            }
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyStructPairAsync(bug, fix);
    }
}
