using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>BYP002: a value handed off twice, or handed off after Dispose().</summary>
public sealed class BYP002_DoubleHandoffTests
{
    [Theory]
    [InlineData("send twice", """
        void M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            Wire.Send([|buf|]);
        }
        """)]
    [InlineData("both parameters of one call", """
        int M(OwnedBuffer buf) => Wire.SendBoth(buf, [|buf|]);
        """)]
    [InlineData("handoff after dispose", """
        void M(OwnedBuffer buf)
        {
            buf.Dispose();
            Wire.Send([|buf|]);
        }
        """)]
    [InlineData("handoff after using ended", """
        void M()
        {
            var buf = pool.Rent();
            using (buf)
            {
                Wire.Use(buf);
            }
            Wire.Send([|buf|]);
        }
        """)]
    [InlineData("second handoff on some path", """
        void M(OwnedBuffer buf, bool flag)
        {
            if (flag) Wire.Send(buf);
            Wire.Send([|buf|]);
        }
        """)]
    [InlineData("handoff in a later iteration of a for loop", """
        void M(OwnedBuffer buf, int n)
        {
            for (var i = 0; i < n; i++)
            {
                Wire.Send([|buf|]);
            }
        }
        """)]
    [InlineData("handoff in a later iteration of a foreach loop", """
        async Task M(OwnedBuffer buf, BypassSocket[] sockets)
        {
            foreach (var s in sockets)
            {
                await s.SendAsync([|buf|]);
            }
        }
        """)]
    [InlineData("handoff in a while loop", """
        async Task M(CancellationToken ct)
        {
            var buf = {|BYP003:await sock.ReceiveAsync(ct)|};
            while (!ct.IsCancellationRequested)
            {
                await sock.SendAsync([|buf|], ct);
            }
        }
        """)]
    [InlineData("alias handed off twice", """
        void M(OwnedBuffer buf)
        {
            var alias = buf;
            Wire.Send(buf);
            Wire.Send([|alias|]);
        }
        """)]
    [InlineData("extension then constructor", """
        void M(OwnedBuffer buf)
        {
            buf.Transmit(sock);
            using var frame = new Frame([|buf|]);
        }
        """)]
    [InlineData("constructor then send", """
        void M(OwnedBuffer buf)
        {
            using var frame = new Frame(buf);
            Wire.Send([|buf|]);
        }
        """)]
    [InlineData("named out-of-order arguments", """
        int M(OwnedBuffer buf) => Wire.SendLater(buffer: [|buf|], delay: Wire.SendWith(buf, 0));
        """)]
    [InlineData("send in try, send again in catch", """
        void M(OwnedBuffer buf)
        {
            try
            {
                Wire.Send(buf);
            }
            catch (Exception)
            {
                Wire.Send([|buf|]);
            }
        }
        """)]
    [InlineData("switch cases fall to a shared handoff", """
        void M(OwnedBuffer buf, int k)
        {
            switch (k)
            {
                case 0:
                    Wire.Send(buf);
                    break;
                case 1:
                    buf.Dispose();
                    break;
            }
            Wire.Send([|buf|]);
        }
        """)]
    [InlineData("field handed off twice", """
        private OwnedBuffer _buffer = null!;
        void M()
        {
            Wire.Send(_buffer);
            Wire.Send([|_buffer|]);
        }
        """)]
    [InlineData("async handoff twice", """
        async Task M()
        {
            var buf = await pool.RentAsync();
            await sock.SendAsync(buf);
            await sock.SendAsync([|buf|]);
        }
        """)]
    [InlineData("inside a lambda body", """
        Action M(OwnedBuffer buf) => () =>
        {
            Wire.Send(buf);
            Wire.Send([|buf|]);
        };
        """)]
    [InlineData("handoff after dispose on some path", """
        void M(OwnedBuffer buf, bool f)
        {
            if (f) buf.Dispose();
            Wire.Send([|buf|]);
        }
        """)]
    public Task Second_handoff_is_reported(string name, string source) => Verify(name, source);

    [Theory]
    [InlineData("single handoff", """
        void M(OwnedBuffer buf) => Wire.Send(buf);
        """)]
    [InlineData("one handoff per branch", """
        void M(OwnedBuffer buf, bool flag)
        {
            if (flag) Wire.Send(buf);
            else buf.Transmit(sock);
        }
        """)]
    [InlineData("reinitialised between handoffs", """
        void M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            buf = pool.Rent();
            Wire.Send(buf);
        }
        """)]
    [InlineData("fresh buffer per iteration", """
        async Task M(int n)
        {
            for (var i = 0; i < n; i++)
            {
                var buf = await pool.RentAsync();
                await sock.SendAsync(buf);
            }
        }
        """)]
    [InlineData("loop exits right after handoff", """
        void M(OwnedBuffer buf, int n)
        {
            for (var i = 0; i < n; i++)
            {
                if (i == 3)
                {
                    Wire.Send(buf);
                    return;
                }
            }
            buf.Dispose();
        }
        """)]
    [InlineData("break after handoff", """
        void M(OwnedBuffer buf, int n)
        {
            while (n-- > 0)
            {
                if (n == 3)
                {
                    Wire.Send(buf);
                    break;
                }
            }
        }
        """)]
    [InlineData("dispose after dispose", """
        void M(OwnedBuffer buf)
        {
            buf.Dispose();
            buf.Dispose();
        }
        """)]
    [InlineData("switch with one handoff per case", """
        void M(OwnedBuffer buf, int k)
        {
            switch (k)
            {
                case 0: Wire.Send(buf); break;
                case 1: buf.Transmit(sock); break;
                default: buf.Dispose(); break;
            }
        }
        """)]
    [InlineData("reassigned by out argument in loop", """
        void M(int n)
        {
            for (var i = 0; i < n; i++)
            {
                if (!pool.TryRent(out var buf)) continue;
                Wire.Send(buf);
            }
        }
        """)]
    [InlineData("two different buffers", """
        int M(OwnedBuffer a, OwnedBuffer b) => Wire.SendBoth(a, b);
        """)]
    [InlineData("handoff of a fresh value twice in a loop", """
        void M(int n)
        {
            for (var i = 0; i < n; i++)
            {
                Wire.Send(pool.Rent());
            }
        }
        """)]
    [InlineData("try-finally handing off in the try only", """
        void M(OwnedBuffer buf)
        {
            try
            {
                Wire.Send(buf);
            }
            finally
            {
                Console.WriteLine("sent");
            }
        }
        """)]
    [InlineData("set to null after handoff, handed off only when not null", """
        private OwnedBuffer? _pending;
        void Flush()
        {
            if (_pending is { } p)
            {
                _pending = null;
                Wire.Send(p);
            }
        }
        """)]
    [InlineData("handoff then using statement end", """
        void M()
        {
            using var buf = pool.Rent();
            Wire.Send(buf);
        }
        """)]
    public Task No_report(string name, string source) => Verify(name, source);

    private static Task Verify(string name, string source)
    {
        _ = name;
        return AnalyzerVerifier.VerifyMembersAsync(source, DiagnosticIds.DoubleHandoff);
    }
}
