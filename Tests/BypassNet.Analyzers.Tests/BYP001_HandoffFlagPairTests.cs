using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// The ownership-transfer idiom of .NET code: a <c>bool</c> local set when the value was handed off
/// (<c>sent = true</c>), and a release guarded by it (<c>if (!sent) buf.Dispose();</c>), in a finally or after a
/// branch. The analysis keeps the paths of each flag value apart, so the guarded release is read with the handoff
/// that set the flag. Each bug is paired with its corrected twin, which must be silent, with OwnedBuffer both a
/// class and (as in the runtime) a struct.
/// </summary>
public sealed class BYP001_HandoffFlagPairTests
{
    [Theory]
    [InlineData("finally releases only what was not sent; the bug tests the flag the wrong way round", """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            var buf = {|BYP003:await from.ReceiveAsync(ct)|};
            var sent = false;
            try
            {
                if (buf.Length > 0)
                {
                    await to.SendAsync(buf, ct);
                    sent = true;
                }
            }
            finally
            {
                if (sent)
                {
                    {|BYP001:buf|}.Dispose();
                }
            }
        }
        """, """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            var buf = await from.ReceiveAsync(ct);
            var sent = false;
            try
            {
                if (buf.Length > 0)
                {
                    await to.SendAsync(buf, ct);
                    sent = true;
                }
            }
            finally
            {
                if (!sent)
                {
                    buf.Dispose();
                }
            }
        }
        """)]
    [InlineData("the flag is set on a path that did not hand off", """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            var buf = {|BYP003:await from.ReceiveAsync(ct)|};
            var sent = false;
            if (buf.Length > 0)
            {
                sent = true;
                if (buf.Length < 1024)
                {
                    await to.SendAsync(buf, ct);
                }
            }

            if (!sent)
            {
                buf.Dispose();
            }
        }
        """, """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            var buf = await from.ReceiveAsync(ct);
            var sent = false;
            if (buf.Length > 0)
            {
                if (buf.Length < 1024)
                {
                    await to.SendAsync(buf, ct);
                    sent = true;
                }
            }

            if (!sent)
            {
                buf.Dispose();
            }
        }
        """)]
    [InlineData("a flag compared with a constant, kept per iteration; the bug reads the buffer after the send", """
        private readonly Queue<OwnedBuffer> _backlog = new();

        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                var buf = await from.ReceiveAsync(ct);
                bool kept = false;
                if (buf.Length > 0 && _backlog.Count < 16)
                {
                    _backlog.Enqueue(buf);
                    kept = true;
                }

                if (kept == false)
                {
                    await to.SendAsync(buf, ct);
                }

                if (kept != true && {|BYP001:buf|}.Length == 0)
                {
                    return;
                }
            }
        }
        """, """
        private readonly Queue<OwnedBuffer> _backlog = new();

        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                var buf = await from.ReceiveAsync(ct);
                bool kept = false;
                var empty = buf.Length == 0;
                if (!empty && _backlog.Count < 16)
                {
                    _backlog.Enqueue(buf);
                    kept = true;
                }

                if (kept == false)
                {
                    await to.SendAsync(buf, ct);
                }

                if (kept != true && empty)
                {
                    return;
                }
            }
        }
        """)]
    [InlineData("two flags, one per buffer; the bug guards the second release with the first flag", """
        async Task M(ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> body, CancellationToken ct)
        {
            var first = pool.Rent();
            var second = pool.Rent();
            var firstSent = false;
            var secondSent = false;
            try
            {
                head.Span.CopyTo(first.Span);
                first.Length = head.Length;
                await sock.SendAsync(first, ct);
                firstSent = true;
                body.Span.CopyTo(second.Span);
                second.Length = body.Length;
                await sock.SendAsync(second, ct);
                secondSent = true;
            }
            finally
            {
                if (!firstSent)
                {
                    first.Dispose();
                }

                if (firstSent)
                {
                    {|BYP001:second|}.Dispose();
                }
            }
        }
        """, """
        async Task M(ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> body, CancellationToken ct)
        {
            var first = pool.Rent();
            var second = pool.Rent();
            var firstSent = false;
            var secondSent = false;
            try
            {
                head.Span.CopyTo(first.Span);
                first.Length = head.Length;
                await sock.SendAsync(first, ct);
                firstSent = true;
                body.Span.CopyTo(second.Span);
                second.Length = body.Length;
                await sock.SendAsync(second, ct);
                secondSent = true;
            }
            finally
            {
                if (!firstSent)
                {
                    first.Dispose();
                }

                if (!secondSent)
                {
                    second.Dispose();
                }
            }
        }
        """)]
    [InlineData("ownership passed to a stage; the bug releases when the stage took it, and leaks the empty buffer", """
        private readonly System.Threading.Channels.Channel<OwnedBuffer> _stage = System.Threading.Channels.Channel.CreateBounded<OwnedBuffer>(8);

        async Task M(BypassSocket from, CancellationToken ct)
        {
            var buf = {|BYP003:await from.ReceiveAsync(ct)|};
            var handedOff = false;
            if (buf.Length > 0)
            {
                _stage.Writer.TryWrite(buf);
                handedOff = true;
            }

            if (handedOff is true)
            {
                buf.Dispose();
            }
        }
        """, """
        private readonly System.Threading.Channels.Channel<OwnedBuffer> _stage = System.Threading.Channels.Channel.CreateBounded<OwnedBuffer>(8);

        async Task M(BypassSocket from, CancellationToken ct)
        {
            var buf = await from.ReceiveAsync(ct);
            var handedOff = false;
            if (buf.Length > 0)
            {
                _stage.Writer.TryWrite(buf);
                handedOff = true;
            }

            if (handedOff is false)
            {
                buf.Dispose();
            }
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyPairAsync(bug, fix);
    }

    [Fact]
    public async Task A_loop_that_is_one_block_and_changes_a_flag_is_analysed()
    {
        // The loop body and its condition form one block that branches to itself with another flag value: the
        // state set of that block grows while the block is being transferred.
        await AnalyzerVerifier.VerifyMembersAsync("""
            async Task M(BypassSocket from, BypassSocket to, int rounds, CancellationToken ct)
            {
                var buf = await from.ReceiveAsync(ct);
                var done = false;
                do
                {
                    done = true;
                    rounds--;
                }
                while (rounds > 0);

                if (done)
                {
                    await to.SendAsync(buf, ct);
                }
                else
                {
                    buf.Dispose();
                }
            }
            """);
    }

    [Fact]
    public async Task A_flag_a_lambda_may_write_is_not_trusted()
    {
        // The lambda may clear the flag after the handoff, so the guarded Dispose may follow it.
        await AnalyzerVerifier.VerifyMembersAsync("""
            async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
            {
                var buf = await from.ReceiveAsync(ct);
                var sent = false;
                Action reset = () => sent = false;
                await to.SendAsync(buf, ct);
                sent = true;
                reset();
                if (!sent)
                {
                    {|BYP001:buf|}.Dispose();
                }
            }
            """);
    }
}
