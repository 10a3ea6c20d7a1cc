using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// Summaries of the compilation's own methods: a helper that releases its owned parameter on every path behaves as
/// [TakesOwnership] at its calls (and gets BYP005), also when it gets there by calling itself; one that releases it on
/// some paths only, one on a longer recursive cycle and a virtual one keep the declared contract. A helper that returns a slice of its view argument returns a view of the
/// same owner (BYP004). Each bug is paired with its corrected twin.
/// </summary>
public sealed class BYP005_SummaryPairTests
{
    [Theory]
    [InlineData("released on every path: a handoff at the call", """
        static void Consume(OwnedBuffer {|BYP005:buffer|})
        {
            if (buffer.Length == 0) { buffer.Dispose(); return; }
            Wire.Send(buffer);
        }
        int M()
        {
            var buf = pool.Rent();
            Consume(buf);
            return {|BYP001:buf|}.Length;
        }
        """, """
        static void Consume(OwnedBuffer {|BYP005:buffer|})
        {
            if (buffer.Length == 0) { buffer.Dispose(); return; }
            Wire.Send(buffer);
        }
        int M()
        {
            var buf = pool.Rent();
            var length = buf.Length;
            Consume(buf);
            return length;
        }
        """)]
    [InlineData("stored on every path: the acquired value is not leaked", """
        private readonly List<OwnedBuffer> _kept = new();
        void Keep(OwnedBuffer {|BYP005:buffer|}) => _kept.Add(buffer);
        void M()
        {
            var buf = pool.Rent();
            Keep(buf);
            Wire.Send({|BYP002:buf|});
        }
        """, """
        private readonly List<OwnedBuffer> _kept = new();
        void Keep(OwnedBuffer {|BYP005:buffer|}) => _kept.Add(buffer);
        void M()
        {
            var buf = pool.Rent();
            Keep(buf);
        }
        """)]
    [InlineData("released on some paths only: still the caller's", """
        static void MaybeSend(OwnedBuffer buffer)
        {
            if (buffer.Length > 0) { Wire.Send(buffer); }
        }
        void M()
        {
            var buf = {|BYP003:pool.Rent()|};
            MaybeSend(buf);
        }
        """, """
        static void MaybeSend(OwnedBuffer buffer)
        {
            if (buffer.Length > 0) { Wire.Send(buffer); }
        }
        void M()
        {
            var buf = pool.Rent();
            MaybeSend(buf);
            buf.Dispose();
        }
        """)]
    [InlineData("a method that calls itself and releases on every path: a handoff at the call", """
        static void Drain(OwnedBuffer {|BYP005:buffer|}, int depth)
        {
            if (depth == 0) { Wire.Send(buffer); return; }
            Drain(buffer, depth - 1);
        }
        void M()
        {
            var buf = pool.Rent();
            Drain(buf, 3);
            {|BYP001:buf|}.Dispose();
        }
        """, """
        static void Drain([TakesOwnership] OwnedBuffer buffer, int depth)
        {
            if (depth == 0) { Wire.Send(buffer); return; }
            Drain(buffer, depth - 1);
        }
        void M()
        {
            var buf = pool.Rent();
            Drain(buf, 3);
        }
        """)]
    [InlineData("a method that calls itself but keeps the value on one path: the caller still owns it", """
        static void Drain(OwnedBuffer buffer, int depth)
        {
            if (depth == 0) { return; }
            if (depth == 1) { Wire.Send(buffer); return; }
            Drain(buffer, depth - 1);
        }
        void M()
        {
            var buf = {|BYP003:pool.Rent()|};
            Drain(buf, 3);
        }
        """, """
        static void Drain(OwnedBuffer buffer, int depth)
        {
            if (depth == 0) { return; }
            if (depth == 1) { Wire.Send(buffer); return; }
            Drain(buffer, depth - 1);
        }
        void M()
        {
            var buf = pool.Rent();
            Drain(buf, 3);
            buf.Dispose();
        }
        """)]
    [InlineData("a local function that sends its parameter: a handoff at the call", """
        async Task M(CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            await Forward(buf);
            {|BYP001:buf|}.Dispose();

            async Task Forward(OwnedBuffer b) => await sock.SendAsync(b, ct);
        }
        """, """
        async Task M(CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            await Forward(buf);

            async Task Forward(OwnedBuffer b) => await sock.SendAsync(b, ct);
        }
        """)]
    [InlineData("a local function that sends its parameter on one path only: the caller still owns it", """
        async Task M(CancellationToken ct)
        {
            var buf = {|BYP003:await sock.ReceiveAsync(ct)|};
            await Forward(buf);

            async Task Forward(OwnedBuffer b)
            {
                if (b.Length > 0) { await sock.SendAsync(b, ct); }
            }
        }
        """, """
        async Task M(CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            await Forward(buf);

            async Task Forward(OwnedBuffer b)
            {
                if (b.Length > 0) { await sock.SendAsync(b, ct); }
                else { b.Dispose(); }
            }
        }
        """)]
    [InlineData("a primary constructor that drops its parameter leaves the value with the caller; a record keeps it", """
        public sealed class Envelope(OwnedBuffer payload) { public int Kind => 1; }
        Envelope M()
        {
            var buf = {|BYP003:pool.Rent()|};
            return new Envelope(buf);
        }
        """, """
        public sealed record Envelope(OwnedBuffer Payload) { public int Kind => 1; }
        Envelope M()
        {
            var buf = pool.Rent();
            return new Envelope(buf);
        }
        """)]
    [InlineData("a primary constructor parameter read by a member is captured: stored", """
        public sealed class Envelope(OwnedBuffer payload) { public int Kind => 1; }
        Envelope M()
        {
            var buf = {|BYP003:pool.Rent()|};
            return new Envelope(buf);
        }
        """, """
        public sealed class Envelope(OwnedBuffer payload) { public int Length => payload.Length; }
        Envelope M()
        {
            var buf = pool.Rent();
            return new Envelope(buf);
        }
        """)]
    [InlineData("a longer recursive cycle falls back to the declared contract", """
        static void Ping(OwnedBuffer buffer, int depth)
        {
            if (depth == 0) { Wire.Send(buffer); return; }
            Pong(buffer, depth - 1);
        }
        static void Pong(OwnedBuffer buffer, int depth) => Ping(buffer, depth);
        void M()
        {
            var buf = {|BYP003:pool.Rent()|};
            Ping(buf, 3);
        }
        """, """
        static void Ping([TakesOwnership] OwnedBuffer buffer, int depth)
        {
            if (depth == 0) { Wire.Send(buffer); return; }
            Pong(buffer, depth - 1);
        }
        static void Pong([TakesOwnership] OwnedBuffer buffer, int depth) => Ping(buffer, depth);
        void M()
        {
            var buf = pool.Rent();
            Ping(buf, 3);
        }
        """)]
    [InlineData("a virtual method falls back to the declared contract", """
        public class Handler { public virtual void Release(OwnedBuffer buffer) => buffer.Dispose(); }
        void M(Handler handler)
        {
            var buf = {|BYP003:pool.Rent()|};
            handler.Release(buf);
        }
        """, """
        public class Handler { public virtual void Release([TakesOwnership] OwnedBuffer buffer) => buffer.Dispose(); }
        void M(Handler handler)
        {
            var buf = pool.Rent();
            handler.Release(buf);
        }
        """)]
    [InlineData("a helper-returned slice is a view of the same owner", """
        static ReadOnlyMemory<byte> KeyOf(ReadOnlyMemory<byte> request) => request.Slice(4);
        async Task<int> M(CancellationToken ct)
        {
            var request = await sock.ReceiveAsync(ct);
            var key = KeyOf(request.Memory);
            await sock.SendAsync(request, ct);
            return {|BYP004:key|}.Length;
        }
        """, """
        static ReadOnlyMemory<byte> KeyOf(ReadOnlyMemory<byte> request) => request.Slice(4);
        async Task<int> M(CancellationToken ct)
        {
            var request = await sock.ReceiveAsync(ct);
            var key = KeyOf(request.Memory);
            var length = key.Length;
            await sock.SendAsync(request, ct);
            return length;
        }
        """)]
    [InlineData("a helper-returned copy is not a view", """
        static ReadOnlyMemory<byte> KeyOf(ReadOnlyMemory<byte> request) => request.Slice(4);
        async Task<int> M(CancellationToken ct)
        {
            var request = await sock.ReceiveAsync(ct);
            var key = KeyOf(request.Memory);
            await sock.SendAsync(request, ct);
            return {|BYP004:key|}.Length;
        }
        """, """
        static ReadOnlyMemory<byte> CopyKey(ReadOnlyMemory<byte> request) => request.Slice(4).ToArray();
        async Task<int> M(CancellationToken ct)
        {
            var request = await sock.ReceiveAsync(ct);
            var key = CopyKey(request.Memory);
            await sock.SendAsync(request, ct);
            return key.Length;
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyMembersAsync(bug);
        await AnalyzerVerifier.VerifyMembersAsync(fix);
    }
}
