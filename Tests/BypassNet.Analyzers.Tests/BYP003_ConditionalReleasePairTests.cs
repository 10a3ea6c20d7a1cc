using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// A bool helper of the same compilation that keeps (stores, sends, disposes) its owned parameter exactly on the paths
/// that return true, and leaves it with the caller on those that return false, is read at the caller's test of its
/// result: `if (!TryKeep(buf)) buf.Dispose();` releases on both edges. A result that is not tested leaves the value
/// with the caller, and a use on the edge where the helper kept it is a use after handoff. Each bug is paired with its
/// corrected twin.
/// </summary>
public sealed class BYP003_ConditionalReleasePairTests
{
    private const string Keeper = """
        private readonly System.Collections.Generic.Queue<OwnedBuffer> _kept = new();

        private bool TryKeep(OwnedBuffer buf)
        {
            if (buf.Length < 8)
            {
                return false;
            }

            _kept.Enqueue(buf);
            return true;
        }

        private async Task<bool> TryForwardAsync(OwnedBuffer buf, BypassSocket to)
        {
            if (buf.Length == 0)
            {
                return false;
            }

            await to.SendAsync(buf);
            return true;
        }

        private bool Reject(OwnedBuffer buf)
        {
            if (buf.Length > 0)
            {
                _kept.Enqueue(buf);
                return false;
            }

            return true;
        }

        """;

    [Theory]
    [InlineData("the helper's answer is ignored", """
        async Task M()
        {
            OwnedBuffer buf = {|BYP003:await sock.ReceiveAsync()|};
            TryKeep(buf);
        }
        """, """
        async Task M()
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            if (!TryKeep(buf))
            {
                buf.Dispose();
            }
        }
        """)]
    [InlineData("read after the helper kept it", """
        async Task<int> M()
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            if (TryKeep(buf))
            {
                return {|BYP001:buf|}.Length;
            }

            buf.Dispose();
            return 0;
        }
        """, """
        async Task<int> M()
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            int length = buf.Length;
            if (TryKeep(buf))
            {
                return length;
            }

            buf.Dispose();
            return 0;
        }
        """)]
    [InlineData("an async forward whose refusal drops the buffer", """
        async Task M(BypassSocket to)
        {
            OwnedBuffer buf = {|BYP003:await sock.ReceiveAsync()|};
            if (await TryForwardAsync(buf, to))
            {
                Console.WriteLine("forwarded");
            }
        }
        """, """
        async Task M(BypassSocket to)
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            if (!await TryForwardAsync(buf, to).ConfigureAwait(false))
            {
                buf.Dispose();
            }
        }
        """)]
    [InlineData("a helper that keeps the value when it answers false, disposed on that answer (and dropped on the other)", """
        async Task M()
        {
            OwnedBuffer buf = {|BYP003:await sock.ReceiveAsync()|};
            if (!Reject(buf))
            {
                {|BYP001:buf|}.Dispose();
            }
        }
        """, """
        async Task M()
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            if (Reject(buf))
            {
                buf.Dispose();
            }
        }
        """)]
    [InlineData("the answer kept in a flag, then tested the wrong way", """
        async Task M()
        {
            OwnedBuffer buf = {|BYP003:await sock.ReceiveAsync()|};
            bool kept = TryKeep(buf);
            Console.WriteLine(kept);
            if (kept)
            {
                {|BYP001:buf|}.Dispose();
            }
        }
        """, """
        async Task M()
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            bool kept = TryKeep(buf);
            Console.WriteLine(kept);
            if (!kept)
            {
                buf.Dispose();
            }
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyPairAsync(Keeper + bug, Keeper + fix);
    }

    [Theory]
    [InlineData("an early return when kept", """
        async Task M()
        {
            while (true)
            {
                OwnedBuffer buf = await sock.ReceiveAsync();
                if (buf.Length == 0)
                {
                    buf.Dispose();
                    return;
                }

                if (TryKeep(buf))
                {
                    continue;
                }

                await sock.SendAsync(buf);
            }
        }
        """)]
    [InlineData("the answer kept in a flag tested twice, across an await", """
        async Task M()
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            bool kept = TryKeep(buf);
            await Task.Yield();
            if (!kept)
            {
                buf.Dispose();
            }

            if (kept)
            {
                Console.WriteLine("kept");
            }
        }
        """)]
    public async Task Correct_use_is_silent(string name, string code)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyMembersAsync(Keeper + code);
    }
}
