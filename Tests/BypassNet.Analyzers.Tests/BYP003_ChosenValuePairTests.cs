using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// An owned value chosen by <c>?:</c>, <c>??</c> or a switch expression, with an acquisition in more than one branch,
/// is one value: when it leaks, BYP003 reports it once, on the whole expression, not once per branch (and the
/// <c>using</c> fix then applies to the declaration). Each bug is paired with its corrected twin.
/// </summary>
public sealed class BYP003_ChosenValuePairTests
{
    [Theory]
    [InlineData("a conditional between a rent and a receive", """
        async Task<int> M(bool canned)
        {
            OwnedBuffer buf = {|BYP003:canned ? pool.Rent() : await sock.ReceiveAsync()|};
            return buf.Length;
        }
        """, """
        async Task<int> M(bool canned)
        {
            using OwnedBuffer buf = canned ? pool.Rent() : await sock.ReceiveAsync();
            return buf.Length;
        }
        """)]
    [InlineData("a switch expression with a receive in two arms", """
        async Task<int> M(int mode)
        {
            OwnedBuffer buf = {|BYP003:mode switch
            {
                0 => pool.Rent(),
                1 => await sock.ReceiveAsync(),
                _ => await pool.RentAsync(),
            }|};
            return buf.Length;
        }
        """, """
        async Task<int> M(int mode)
        {
            OwnedBuffer buf = mode switch
            {
                0 => pool.Rent(),
                1 => await sock.ReceiveAsync(),
                _ => await pool.RentAsync(),
            };
            await sock.SendAsync(buf);
            return 0;
        }
        """)]
    [InlineData("a parenthesized conditional, leaked on an early return", """
        async Task<bool> M(bool canned)
        {
            OwnedBuffer buf = ({|BYP003:canned ? pool.Rent() : await sock.ReceiveAsync()|});
            if (buf.Length == 0)
            {
                return false;
            }

            buf.Dispose();
            return true;
        }
        """, """
        async Task<bool> M(bool canned)
        {
            OwnedBuffer buf = (canned ? pool.Rent() : await sock.ReceiveAsync());
            if (buf.Length == 0)
            {
                buf.Dispose();
                return false;
            }

            buf.Dispose();
            return true;
        }
        """)]
    [InlineData("a conditional assigned to a local declared earlier (the graph captures the target first)", """
        async Task<int> M(bool canned)
        {
            OwnedBuffer buf;
            buf = {|BYP003:canned ? pool.Rent() : await sock.ReceiveAsync()|};
            return buf.Length;
        }
        """, """
        async Task<int> M(bool canned)
        {
            OwnedBuffer buf;
            buf = canned ? pool.Rent() : await sock.ReceiveAsync();
            int length = buf.Length;
            buf.Dispose();
            return length;
        }
        """)]
    public async Task Bug_is_reported_once_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyPairAsync(bug, fix);
    }
}
