using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// A view that escapes (returned, or kept in a field of this object) while its owner is then disposed or handed off,
/// explicitly or by the using that owns it: the kept view points into a buffer the code no longer owns. Reported at
/// the view that escaped. Each bug is paired with its corrected twin, which must be silent.
/// </summary>
public sealed class BYP004_EscapingViewPairTests
{
    [Theory]
    [InlineData("a view returned from under a using", """
        async Task<ReadOnlyMemory<byte>> M(BypassSocket sock, CancellationToken ct)
        {
            using var buf = await sock.ReceiveAsync(ct);
            return {|BYP004:buf.Memory|};
        }
        """, """
        async Task<ReadOnlyMemory<byte>> M(BypassSocket sock, CancellationToken ct)
        {
            using var buf = await sock.ReceiveAsync(ct);
            return buf.Memory.ToArray();
        }
        """)]
    [InlineData("a view kept in a field, its owner disposed", """
        private ReadOnlyMemory<byte> _last;

        async Task M(BypassSocket sock, CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            _last = {|BYP004:buf.Memory|};
            buf.Dispose();
        }
        """, """
        private ReadOnlyMemory<byte> _last;

        async Task M(BypassSocket sock, CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            _last = buf.Memory.ToArray();
            buf.Dispose();
        }
        """)]
    [InlineData("a slice kept in a field, its owner sent", """
        private ReadOnlyMemory<byte> _header;

        async Task M(BypassSocket sock, CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            _header = {|BYP004:buf.Memory.Slice(0, Math.Min(4, buf.Length))|};
            await sock.SendAsync(buf, ct);
        }
        """, """
        private ReadOnlyMemory<byte> _header;
        private OwnedBuffer? _owner;

        async Task M(BypassSocket sock, CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            _header = buf.Memory.Slice(0, Math.Min(4, buf.Length));
            _owner = buf;
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyMembersAsync(bug);
        await AnalyzerVerifier.VerifyMembersAsync(fix);
    }

    [Theory]
    [InlineData("a view written to a stream, then the owner disposed", """
        async Task M(BypassSocket sock, System.IO.Stream output, CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            await output.WriteAsync(buf.Memory, ct);
            buf.Dispose();
        }
        """)]
    [InlineData("a view in a local object's field, read before the dispose", """
        sealed class Frame { public ReadOnlyMemory<byte> Payload; }

        async Task<int> M(BypassSocket sock, CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            var frame = new Frame();
            frame.Payload = buf.Memory;
            var n = frame.Payload.Length;
            buf.Dispose();
            return n;
        }
        """)]
    [InlineData("a view kept in a field while parsing, cleared before the dispose", """
        private ReadOnlyMemory<byte> _current;

        async Task<int> M(BypassSocket sock, CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            _current = buf.Memory;
            var n = _current.Length;
            _current = default;
            buf.Dispose();
            return n;
        }
        """)]
    public async Task Views_that_do_not_outlive_the_owner_are_quiet(string name, string code)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyMembersAsync(code);
    }
}
