using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// Renewal (assignment gives the variable only its new value) in every loop form and position, each bug paired with
/// its corrected twin, which must be silent: a rule that reports both proves nothing. The markup of the bug is what
/// must be reported; the twin has none.
/// </summary>
public sealed class BYP002_RenewalPairTests
{
    [Theory]
    [InlineData("while, renewed at the end of the body", """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            var chunk = {|BYP003:await from.ReceiveAsync(ct)|};
            while (!ct.IsCancellationRequested)
            {
                await to.SendAsync({|BYP002:chunk|}, ct);
            }
        }
        """, """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            var chunk = await from.ReceiveAsync(ct);
            while (chunk.Length > 0)
            {
                await to.SendAsync(chunk, ct);
                chunk = await from.ReceiveAsync(ct);
            }
            chunk.Dispose();
        }
        """)]
    [InlineData("do, renewed at the end of the body", """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            var chunk = await from.ReceiveAsync(ct);
            do
            {
                await to.SendAsync(chunk, ct);
            }
            while ({|BYP001:chunk|}.Length > 0);
        }
        """, """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            var chunk = await from.ReceiveAsync(ct);
            do
            {
                await to.SendAsync(chunk, ct);
                chunk = await from.ReceiveAsync(ct);
            }
            while (chunk.Length > 0);
            chunk.Dispose();
        }
        """)]
    [InlineData("for, renewed in the iterator", """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            OwnedBuffer chunk;
            for (chunk = await from.ReceiveAsync(ct); {|BYP001:chunk|}.Length > 0; )
            {
                await to.SendAsync(chunk, ct);
            }
            chunk.Dispose();
        }
        """, """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            OwnedBuffer chunk;
            for (chunk = await from.ReceiveAsync(ct); chunk.Length > 0; chunk = await from.ReceiveAsync(ct))
            {
                await to.SendAsync(chunk, ct);
            }
            chunk.Dispose();
        }
        """)]
    [InlineData("foreach, renewed after each send", """
        async Task M(BypassSocket from, BypassSocket[] peers, CancellationToken ct)
        {
            var chunk = {|BYP003:await from.ReceiveAsync(ct)|};
            foreach (var peer in peers)
            {
                await peer.SendAsync({|BYP002:chunk|}, ct);
            }
        }
        """, """
        async Task M(BypassSocket from, BypassSocket[] peers, CancellationToken ct)
        {
            var chunk = await from.ReceiveAsync(ct);
            foreach (var peer in peers)
            {
                await peer.SendAsync(chunk, ct);
                chunk = await from.ReceiveAsync(ct);
            }
            chunk.Dispose();
        }
        """)]
    [InlineData("renewed before continue", """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            var chunk = await from.ReceiveAsync(ct);
            while ({|BYP001:chunk|}.Length > 0)
            {
                if (chunk.Length == 1)
                {
                    await to.SendAsync(chunk, ct);
                    continue;
                }
                await to.SendAsync(chunk, ct);
                chunk = await from.ReceiveAsync(ct);
            }
            chunk.Dispose();
        }
        """, """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            var chunk = await from.ReceiveAsync(ct);
            while (chunk.Length > 0)
            {
                if (chunk.Length == 1)
                {
                    await to.SendAsync(chunk, ct);
                    chunk = await from.ReceiveAsync(ct);
                    continue;
                }
                await to.SendAsync(chunk, ct);
                chunk = await from.ReceiveAsync(ct);
            }
            chunk.Dispose();
        }
        """)]
    [InlineData("renewed in a switch section", """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            var chunk = await from.ReceiveAsync(ct);
            while ({|BYP001:chunk|}.Length > 0)
            {
                switch (chunk.Length)
                {
                    case 1:
                        await to.SendAsync(chunk, ct);
                        break;
                    default:
                        chunk.Dispose();
                        chunk = await from.ReceiveAsync(ct);
                        break;
                }
            }
            chunk.Dispose();
        }
        """, """
        async Task M(BypassSocket from, BypassSocket to, CancellationToken ct)
        {
            var chunk = await from.ReceiveAsync(ct);
            while (chunk.Length > 0)
            {
                switch (chunk.Length)
                {
                    case 1:
                        await to.SendAsync(chunk, ct);
                        chunk = await from.ReceiveAsync(ct);
                        break;
                    default:
                        chunk.Dispose();
                        chunk = await from.ReceiveAsync(ct);
                        break;
                }
            }
            chunk.Dispose();
        }
        """)]
    [InlineData("field of this renewed in the loop", """
        private OwnedBuffer? _pending;
        async Task M(CancellationToken ct)
        {
            _pending = await sock.ReceiveAsync(ct);
            for (var i = 0; i < 3; i++)
            {
                await sock.SendAsync({|BYP002:_pending|}, ct);
            }
            _pending = null;
        }
        """, """
        private OwnedBuffer? _pending;
        async Task M(CancellationToken ct)
        {
            _pending = await sock.ReceiveAsync(ct);
            while (_pending.Length > 0)
            {
                await sock.SendAsync(_pending, ct);
                _pending = await sock.ReceiveAsync(ct);
            }
            _pending.Dispose();
            _pending = null;
        }
        """)]
    [InlineData("auto-property of this renewed in the loop", """
        public OwnedBuffer? Pending { get; private set; }
        async Task M(CancellationToken ct)
        {
            Pending = await sock.ReceiveAsync(ct);
            while ({|BYP001:Pending|}.Length > 0)
            {
                await sock.SendAsync(Pending, ct);
            }
            Pending = null;
        }
        """, """
        public OwnedBuffer? Pending { get; private set; }
        async Task M(CancellationToken ct)
        {
            Pending = await sock.ReceiveAsync(ct);
            while (Pending.Length > 0)
            {
                await sock.SendAsync(Pending, ct);
                Pending = await sock.ReceiveAsync(ct);
            }
            Pending.Dispose();
            Pending = null;
        }
        """)]
    [InlineData("renewed by an out argument", """
        async Task M(CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            while ({|BYP001:buf|}.Length > 0)
            {
                await sock.SendAsync(buf, ct);
            }
            buf.Dispose();
        }
        """, """
        async Task M(CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            while (buf.Length > 0)
            {
                await sock.SendAsync(buf, ct);
                if (!pool.TryRent(out buf))
                {
                    return;
                }
            }
            buf.Dispose();
        }
        """)]
    [InlineData("renewed inside try, handed off in the loop", """
        async Task M(CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            while ({|BYP001:buf|}.Length > 0)
            {
                try
                {
                    await sock.SendAsync(buf, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            buf.Dispose();
        }
        """, """
        async Task M(CancellationToken ct)
        {
            var buf = await sock.ReceiveAsync(ct);
            while (buf.Length > 0)
            {
                try
                {
                    await sock.SendAsync(buf, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                buf = await sock.ReceiveAsync(ct);
            }
            buf.Dispose();
        }
        """)]
    [InlineData("renewed on one branch only: join", """
        void M(OwnedBuffer buf, bool again)
        {
            Wire.Send(buf);
            if (again)
            {
                buf = pool.Rent();
            }
            Wire.Send({|BYP002:buf|});
        }
        """, """
        void M(OwnedBuffer buf, bool again)
        {
            Wire.Send(buf);
            if (again)
            {
                buf = pool.Rent();
                Wire.Send(buf);
            }
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyMembersAsync(bug);
        await AnalyzerVerifier.VerifyMembersAsync(fix);
    }
}
