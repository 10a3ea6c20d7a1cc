using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// A call whose declared result is a task of an owned value (`sock.ReceiveAsync()`, `pool.RentAsync()`) whose task
/// is thrown away (`_ = ...;` or the call as a statement) leaks what the task completes with: nobody awaits it, so
/// nobody disposes the buffer, and its ring slot stays taken. A task kept and awaited later, or awaited at once, is
/// fine. Each bug is paired with its corrected twin.
/// </summary>
public sealed class BYP003_DiscardedReceivePairTests
{
    [Theory]
    [InlineData("a receive discarded to start reading early", """
        void M(CancellationToken ct)
        {
            _ = {|BYP003:sock.ReceiveAsync(ct)|};
        }
        """, """
        async Task M(CancellationToken ct)
        {
            using var buf = await sock.ReceiveAsync(ct);
        }
        """)]
    [InlineData("a receive called as a statement", """
        void M()
        {
            {|BYP003:sock.ReceiveAsync()|};
        }
        """, """
        async Task<int> M()
        {
            ValueTask<OwnedBuffer> pending = sock.ReceiveAsync();
            await Task.Yield();
            using var buf = await pending;
            return buf.Length;
        }
        """)]
    [InlineData("a rent discarded", """
        void M()
        {
            _ = {|BYP003:pool.RentAsync()|};
        }
        """, """
        async Task M()
        {
            var buf = await pool.RentAsync();
            await sock.SendAsync(buf);
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyPairAsync(bug, fix);
    }
}
