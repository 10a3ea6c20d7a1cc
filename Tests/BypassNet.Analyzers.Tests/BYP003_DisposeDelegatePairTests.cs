using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// A delegate over a value's Dispose (`ct.Register(buf.Dispose)`, `Task.Run(buf.Dispose)`) holds the value and
/// releases it when it runs, so the value is not leaked (as with a lambda that captures it); a callback that does not
/// hold the value releases nothing. A delegate
/// made after a handoff reads a value the code no longer owns. Each bug is paired with its corrected twin.
/// </summary>
public sealed class BYP003_DisposeDelegatePairTests
{
    [Theory]
    [InlineData("a deferred callback that does not hold the value", """
        async Task M()
        {
            var buf = {|BYP003:pool.Rent()|};
            await Task.Run(() => Console.WriteLine("later"));
        }
        """, """
        async Task M()
        {
            var buf = pool.Rent();
            await Task.Run(buf.Dispose);
        }
        """)]
    [InlineData("a dispose registered after the value was sent", """
        async Task M(CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            await sock.SendAsync(buf, ct);
            ct.Register({|BYP001:buf|}.Dispose);
        }
        """, """
        void M(CancellationToken ct)
        {
            var buf = pool.Rent();
            ct.Register(buf.Dispose);
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyPairAsync(bug, fix);
    }
}
