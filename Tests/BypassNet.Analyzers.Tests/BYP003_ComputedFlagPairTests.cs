using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// A <c>bool</c> local holding a computed value (<c>bool owned = rng.Next(2) == 0;</c>) that two branches test keeps
/// the paths apart like a constant flag: the first test splits them, the second follows the same side. So a value
/// acquired under the flag and released under the same flag is not reported, and one released under its opposite
/// is. Each bug is paired with its corrected twin.
/// </summary>
public sealed class BYP003_ComputedFlagPairTests
{
    [Theory]
    [InlineData("a receive started under a computed flag and awaited under its opposite", """
        async Task<int> M(Random rng)
        {
            bool owned = rng.Next(2) == 0;
            ValueTask<OwnedBuffer> receiving = default;
            if (owned)
            {
                receiving = {|BYP003:sock.ReceiveAsync()|};
            }

            if (!owned)
            {
                using var buf = await receiving;
                return buf.Length;
            }

            return 0;
        }
        """, """
        async Task<int> M(Random rng)
        {
            bool owned = rng.Next(2) == 0;
            ValueTask<OwnedBuffer> receiving = default;
            if (owned)
            {
                receiving = sock.ReceiveAsync();
            }

            if (owned)
            {
                using var buf = await receiving;
                return buf.Length;
            }

            return 0;
        }
        """)]
    [InlineData("a buffer received under a computed flag and disposed under its opposite", """
        async Task<int> M(int length)
        {
            bool large = length > 1024;
            OwnedBuffer? buf = null;
            if (large)
            {
                buf = {|BYP003:await sock.ReceiveAsync()|};
            }

            int n = length;
            if (!large)
            {
                buf?.Dispose();
            }

            return n;
        }
        """, """
        async Task<int> M(int length)
        {
            bool large = length > 1024;
            OwnedBuffer? buf = null;
            if (large)
            {
                buf = await sock.ReceiveAsync();
            }

            int n = length;
            if (large)
            {
                buf?.Dispose();
            }

            return n;
        }
        """)]
    [InlineData("a constant flag later assigned a branching value (the graph captures it as the target)", """
        private OwnedBuffer _kept;

        int M(bool a)
        {
            bool keep = false;
            keep = true;
            OwnedBuffer buf = {|BYP003:pool.Rent()|};
            keep = buf.Length > 0 ? a : false;
            if (keep)
            {
                _kept = buf;
                return 1;
            }

            return 0;
        }
        """, """
        private OwnedBuffer _kept;

        int M(bool a)
        {
            bool keep = false;
            keep = true;
            OwnedBuffer buf = pool.Rent();
            keep = buf.Length > 0 ? a : false;
            if (keep)
            {
                _kept = buf;
                return 1;
            }

            buf.Dispose();
            return 0;
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyStructPairAsync(bug, fix);
    }

    [Fact]
    public async Task A_condition_named_once_keeps_its_paths_apart()
    {
        // The rewrite BYP001's docs suggest for two agreeing tests of a non-bool value (`to is not null`, `to is null`).
        await AnalyzerVerifier.VerifyStructMembersAsync("""
            async Task M(BypassSocket? to)
            {
                OwnedBuffer buf = await sock.ReceiveAsync();
                bool forward = to is not null;
                if (forward)
                {
                    await to!.SendAsync(buf);
                }

                if (!forward)
                {
                    buf.Dispose();
                }
            }
            """);
    }

    [Fact]
    public async Task A_flag_computed_in_each_iteration_of_a_loop_keeps_its_paths_apart()
    {
        // The shape of a cancellation stress test: each round picks the owned or the copying receive at random.
        await AnalyzerVerifier.VerifyStructMembersAsync("""
            async Task M(Random rng, byte[] copy)
            {
                for (int round = 0; round < 100; round++)
                {
                    bool owned = rng.Next(2) == 0;
                    ValueTask<OwnedBuffer> ownedReceive = default;
                    ValueTask<int> copyReceive = default;
                    if (owned)
                    {
                        ownedReceive = sock.ReceiveAsync();
                    }
                    else
                    {
                        copyReceive = new ValueTask<int>(copy.Length);
                    }

                    if (owned)
                    {
                        using OwnedBuffer buffer = await ownedReceive;
                    }
                    else
                    {
                        await copyReceive;
                    }
                }
            }
            """);
    }
}
