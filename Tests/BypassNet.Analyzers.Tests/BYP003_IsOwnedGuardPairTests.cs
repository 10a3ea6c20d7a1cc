using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// `IsOwned` asks whether a handle still owns its memory, so it may be asked after a handoff (not BYP001), and a
/// branch on it is read as the answer: where true the value must still be released (BYP003 if not), where false it was
/// handed off or disposed, so nothing is left to release and a read there is still a use after handoff. A side that no
/// path can take (IsOwned after a handoff on every path) is not analysed. Each bug is
/// paired with its corrected twin, which must be silent.
/// </summary>
public sealed class BYP003_IsOwnedGuardPairTests
{
    [Theory]
    [InlineData("a finally that releases only what is still owned, but forgets to", """
        async Task M(bool send, CancellationToken ct)
        {
            var buf = {|BYP003:pool.Rent()|};
            try
            {
                if (send) { await sock.SendAsync(buf, ct); }
            }
            finally
            {
                if (buf.IsOwned) { Console.WriteLine(buf.Length); }
            }
        }
        """, """
        async Task M(bool send, CancellationToken ct)
        {
            var buf = pool.Rent();
            try
            {
                if (send) { await sock.SendAsync(buf, ct); }
            }
            finally
            {
                if (buf.IsOwned) { buf.Dispose(); }
            }
        }
        """)]
    [InlineData("a negated guard that returns early", """
        void M(bool send)
        {
            var buf = {|BYP003:pool.Rent()|};
            if (send) { Wire.Send(buf); }
            if (!buf.IsOwned) { return; }
            Console.WriteLine(buf.Length);
        }
        """, """
        void M(bool send)
        {
            var buf = pool.Rent();
            if (send) { Wire.Send(buf); }
            if (!buf.IsOwned) { return; }
            buf.Dispose();
        }
        """)]
    [InlineData("a read where the handle is known not to own its memory", """
        void M(bool send)
        {
            var buf = pool.Rent();
            if (send) { Wire.Send(buf); }
            if (!buf.IsOwned) { Console.WriteLine({|BYP001:buf|}.Length); return; }
            buf.Dispose();
        }
        """, """
        void M(bool send)
        {
            var buf = pool.Rent();
            var length = buf.Length;
            if (send) { Wire.Send(buf); }
            if (!buf.IsOwned) { Console.WriteLine(length); return; }
            buf.Dispose();
        }
        """)]
    [InlineData("a read after a send on every path, guarded by nothing", """
        async Task M(CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            await sock.SendAsync(buf, ct);
            Console.WriteLine({|BYP001:buf|}.Length);
        }
        """, """
        async Task M(CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            await sock.SendAsync(buf, ct);
            if (!buf.IsOwned) { Console.WriteLine("sent"); }
            if (buf.IsOwned) { Console.WriteLine(buf.Length); }
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        // IsOwned is a member of the struct handle the runtime ships (OwnedBuffer), not of the class stand-in.
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyStructPairAsync(bug, fix);
    }
}
