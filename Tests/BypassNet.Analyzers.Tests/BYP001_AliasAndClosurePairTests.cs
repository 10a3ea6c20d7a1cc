using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// Aliases through tuples, deconstruction and conditionals, and closures (local functions, delegates, Task.Run),
/// each bug paired with its corrected twin, which must be silent.
/// </summary>
public sealed class BYP001_AliasAndClosurePairTests
{
    [Theory]
    [InlineData("deconstruction declaration from a tuple", """
        void M(OwnedBuffer header, OwnedBuffer body)
        {
            var (first, second) = (header, body);
            Wire.Send(first);
            Wire.Send({|BYP002:header|});
            Wire.Send(second);
        }
        """, """
        void M(OwnedBuffer header, OwnedBuffer body)
        {
            var (first, second) = (header, body);
            Wire.Send(first);
            Wire.Send(second);
        }
        """)]
    [InlineData("deconstruction declaration from an awaited tuple result", """
        async Task<(OwnedBuffer Frame, int Kind)> ReadFrameAsync(CancellationToken ct) => (await sock.ReceiveAsync(ct), 1);
        async Task M(CancellationToken ct)
        {
            var (frame, kind) = await ReadFrameAsync(ct);
            await sock.SendAsync(frame, ct);
            Console.WriteLine({|BYP001:frame|}.Length + kind);
        }
        """, """
        async Task<(OwnedBuffer Frame, int Kind)> ReadFrameAsync(CancellationToken ct) => (await sock.ReceiveAsync(ct), 1);
        async Task M(CancellationToken ct)
        {
            var (frame, kind) = await ReadFrameAsync(ct);
            Console.WriteLine(frame.Length + kind);
            await sock.SendAsync(frame, ct);
        }
        """)]
    [InlineData("deconstruction result dropped leaks", """
        async Task<(OwnedBuffer Frame, int Kind)> ReadFrameAsync(CancellationToken ct) => (await sock.ReceiveAsync(ct), 1);
        async Task<int> M(CancellationToken ct)
        {
            var (_, kind) = {|BYP003:await ReadFrameAsync(ct)|};
            return kind;
        }
        """, """
        async Task<(OwnedBuffer Frame, int Kind)> ReadFrameAsync(CancellationToken ct) => (await sock.ReceiveAsync(ct), 1);
        async Task<int> M(CancellationToken ct)
        {
            var (frame, kind) = await ReadFrameAsync(ct);
            frame.Dispose();
            return kind;
        }
        """)]
    [InlineData("deconstruction assignment renews in a loop", """
        async Task<(OwnedBuffer, int)> ReadAsync(CancellationToken ct) { var b = await sock.ReceiveAsync(ct); return (b, b.Length); }
        async Task M(CancellationToken ct)
        {
            var (frame, length) = {|BYP003:await ReadAsync(ct)|};
            while (length-- > 0)
            {
                await sock.SendAsync({|BYP002:frame|}, ct);
            }
        }
        """, """
        async Task<(OwnedBuffer, int)> ReadAsync(CancellationToken ct) { var b = await sock.ReceiveAsync(ct); return (b, b.Length); }
        async Task M(CancellationToken ct)
        {
            var (frame, length) = await ReadAsync(ct);
            while (length > 0)
            {
                await sock.SendAsync(frame, ct);
                (frame, length) = await ReadAsync(ct);
            }
            frame.Dispose();
        }
        """)]
    [InlineData("swap on some path, then both sent", """
        void M(OwnedBuffer a, OwnedBuffer b, bool reverse)
        {
            if (reverse)
            {
                (a, b) = (b, a);
            }
            Wire.Send(a);
            Wire.Send({|BYP002:a|});
        }
        """, """
        void M(OwnedBuffer a, OwnedBuffer b, bool reverse)
        {
            if (reverse)
            {
                (a, b) = (b, a);
            }
            Wire.Send(a);
            Wire.Send(b);
        }
        """)]
    [InlineData("ternary alias: only what it may hold on that path", """
        OwnedBuffer Compress(OwnedBuffer input) { var output = pool.Rent(); input.Dispose(); return output; }
        void M(OwnedBuffer buf, bool compress)
        {
            var toSend = compress ? Compress(buf) : buf;
            Wire.Send(toSend);
            Wire.Send({|BYP002:buf|});
        }
        """, """
        OwnedBuffer Compress(OwnedBuffer input) { var output = pool.Rent(); input.Dispose(); return output; }
        void M(OwnedBuffer buf, bool compress)
        {
            var toSend = compress ? Compress(buf) : buf;
            Wire.Send(toSend);
        }
        """)]
    [InlineData("try/finally with the variable nulled before the handoff", """
        async Task M(CancellationToken ct)
        {
            var buf = pool.Rent();
            try
            {
                await sock.SendAsync(buf, ct);
            }
            finally
            {
                {|BYP001:buf|}.Dispose();
            }
        }
        """, """
        async Task M(CancellationToken ct)
        {
            OwnedBuffer? buf = pool.Rent();
            try
            {
                buf.Length = 1;
                var sending = buf;
                buf = null;
                await sock.SendAsync(sending, ct);
            }
            finally
            {
                buf?.Dispose();
            }
        }
        """)]
    [InlineData("try/finally with the variable nulled after the handoff", """
        async Task<int> M(CancellationToken ct)
        {
            OwnedBuffer? buf = pool.Rent();
            try
            {
                await sock.SendAsync(buf, ct);
                return {|BYP001:buf|}.Length;
            }
            finally
            {
                buf?.Dispose();
            }
        }
        """, """
        async Task M(CancellationToken ct)
        {
            OwnedBuffer? buf = pool.Rent();
            try
            {
                await sock.SendAsync(buf, ct);
                buf = null;
            }
            finally
            {
                buf?.Dispose();
            }
        }
        """)]
    [InlineData("called local function disposes a capture", """
        int M()
        {
            var buf = pool.Rent();
            void Release() => buf.Dispose();
            Release();
            return {|BYP001:buf|}.Length;
        }
        """, """
        int M()
        {
            var buf = pool.Rent();
            void Release() => buf.Dispose();
            var length = buf.Length;
            Release();
            return length;
        }
        """)]
    [InlineData("called local function hands off a capture", """
        void M()
        {
            var buf = pool.Rent();
            void Flush() => Wire.Send(buf);
            Flush();
            Wire.Send({|BYP002:buf|});
        }
        """, """
        void M()
        {
            var buf = pool.Rent();
            void Flush() => Wire.Send(buf);
            Flush();
        }
        """)]
    [InlineData("Task.Run hands off at Task.Run", """
        async Task M(CancellationToken ct)
        {
            var buf = pool.Rent();
            var sending = Task.Run(() => sock.SendAsync(buf, ct).AsTask(), ct);
            {|BYP001:buf|}.Dispose();
            await sending;
        }
        """, """
        async Task M(CancellationToken ct)
        {
            var buf = pool.Rent();
            await Task.Run(() => sock.SendAsync(buf, ct).AsTask(), ct);
        }
        """)]
    [InlineData("reassigned delegate drops the old lambda's captures", """
        void M()
        {
            var buf = pool.Rent();
            Action finish = () => Console.WriteLine("kept");
            finish = () => buf.Dispose();
            finish();
            Wire.Send({|BYP002:buf|});
        }
        """, """
        void M()
        {
            var buf = pool.Rent();
            Action finish = () => buf.Dispose();
            finish = () => Console.WriteLine("kept");
            finish();
            Wire.Send(buf);
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyMembersAsync(bug);
        await AnalyzerVerifier.VerifyMembersAsync(fix);
    }
}
