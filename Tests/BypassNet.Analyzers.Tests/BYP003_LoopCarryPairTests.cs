using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// A loop that keeps the value an earlier iteration acquired in another variable (`prev = cur;`, a frame carried over
/// to the next receive) has not lost it when the same line acquires again: the value lives on in that variable, and is
/// reported only if that variable is overwritten, or the body ends, while it still owns it. A value that nothing holds
/// when its line acquires again is still reported there. Each bug is paired with its corrected twin, which must be
/// silent. The struct handle the runtime ships is used (`default` is no lease).
/// </summary>
public sealed class BYP003_LoopCarryPairTests
{
    [Theory]
    [InlineData("the previous buffer is replaced without being released", """
        async Task M(CancellationToken ct)
        {
            OwnedBuffer prev = default;
            try
            {
                for (int i = 0; i < 8; i++)
                {
                    OwnedBuffer cur = {|BYP003:await sock.ReceiveAsync(ct)|};
                    prev = cur;
                }
            }
            finally
            {
                prev.Dispose();
            }
        }
        """, """
        async Task M(CancellationToken ct)
        {
            OwnedBuffer prev = default;
            try
            {
                for (int i = 0; i < 8; i++)
                {
                    OwnedBuffer cur = await sock.ReceiveAsync(ct);
                    prev.Dispose();
                    prev = cur;
                }
            }
            finally
            {
                prev.Dispose();
            }
        }
        """)]
    [InlineData("a carried-over frame is overwritten by the next short one", """
        async Task M(CancellationToken ct)
        {
            OwnedBuffer carry = default;
            bool hasCarry = false;
            while (true)
            {
                OwnedBuffer buf = {|BYP003:await sock.ReceiveAsync(ct)|};
                if (buf.Length == 0) { buf.Dispose(); break; }
                if (buf.Length < 10) { carry = buf; hasCarry = true; continue; }
                await sock.SendAsync(buf, ct);
            }

            if (hasCarry) { carry.Dispose(); }
        }
        """, """
        async Task M(CancellationToken ct)
        {
            OwnedBuffer carry = default;
            bool hasCarry = false;
            while (true)
            {
                OwnedBuffer buf = await sock.ReceiveAsync(ct);
                if (buf.Length == 0) { buf.Dispose(); break; }
                if (hasCarry) { hasCarry = false; await sock.SendAsync(carry, ct); }
                if (buf.Length < 10) { carry = buf; hasCarry = true; continue; }
                await sock.SendAsync(buf, ct);
            }

            if (hasCarry) { carry.Dispose(); }
        }
        """)]
    [InlineData("nothing holds the last iteration's value when the line acquires again", """
        async Task M(CancellationToken ct)
        {
            while (true)
            {
                var buf = {|BYP003:await sock.ReceiveAsync(ct)|};
                if (buf.Length == 0) { continue; }
                await sock.SendAsync(buf, ct);
            }
        }
        """, """
        async Task M(CancellationToken ct)
        {
            while (true)
            {
                var buf = await sock.ReceiveAsync(ct);
                if (buf.Length == 0) { buf.Dispose(); continue; }
                await sock.SendAsync(buf, ct);
            }
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyStructPairAsync(bug, fix);
    }
}
