using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// A catch that returns or falls through leaks a value the method owned at every point of the try (acquired before
/// it, never handed off, disposed or stored in it): whatever threw, the value is still owned there. Each bug is
/// paired with its corrected twin, which must be silent; the quiet cases are the ones where the exception may have
/// come from the handoff or the acquisition itself.
/// </summary>
public sealed class BYP003_CatchPathPairTests
{
    [Theory]
    [InlineData("a cancellation swallowed before the send", """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            var buf = {|BYP003:await from.ReceiveAsync(ct)|};
            try
            {
                ct.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await to.SendAsync(buf, ct);
        }
        """, """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            var buf = await from.ReceiveAsync(ct);
            try
            {
                ct.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException)
            {
                buf.Dispose();
                return;
            }

            await to.SendAsync(buf, ct);
        }
        """)]
    [InlineData("a malformed frame skipped in a receive loop", """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                var buf = {|BYP003:await from.ReceiveAsync(ct)|};
                try
                {
                    Validate(buf.Span);
                }
                catch (FormatException)
                {
                    continue;
                }

                await to.SendAsync(buf, ct);
            }
        }

        static void Validate(ReadOnlySpan<byte> frame)
        {
            if (frame.Length > 0 && frame[0] != (byte)'*')
            {
                throw new FormatException();
            }
        }
        """, """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                var buf = await from.ReceiveAsync(ct);
                try
                {
                    Validate(buf.Span);
                }
                catch (FormatException)
                {
                    buf.Dispose();
                    continue;
                }

                await to.SendAsync(buf, ct);
            }
        }

        static void Validate(ReadOnlySpan<byte> frame)
        {
            if (frame.Length > 0 && frame[0] != (byte)'*')
            {
                throw new FormatException();
            }
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyPairAsync(bug, fix);
    }

    [Theory]
    [InlineData("the send in the try may be what threw", """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            var buf = await from.ReceiveAsync(ct);
            try
            {
                await to.SendAsync(buf, ct);
            }
            catch (InvalidOperationException)
            {
                return;
            }
        }
        """)]
    [InlineData("the value is acquired inside the try: the receive may be what threw", """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            try
            {
                var buf = await from.ReceiveAsync(ct);
                ct.ThrowIfCancellationRequested();
                await to.SendAsync(buf, ct);
            }
            catch (OperationCanceledException)
            {
            }
        }
        """)]
    [InlineData("the catch rethrows", """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            var buf = await from.ReceiveAsync(ct);
            try
            {
                ct.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException)
            {
                throw;
            }

            await to.SendAsync(buf, ct);
        }
        """)]
    public async Task Exception_paths_that_may_have_released_are_quiet(string name, string code)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyMembersAsync(code);
        await AnalyzerVerifier.VerifyStructMembersAsync(code);
    }
}
