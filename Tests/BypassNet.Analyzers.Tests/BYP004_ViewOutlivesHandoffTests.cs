using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>BYP004: a Span/Memory/slice of an owned value used after the value was handed off.</summary>
public sealed class BYP004_ViewOutlivesHandoffTests
{
    [Theory]
    [InlineData("span used after send", """
        void M(OwnedBuffer buf)
        {
            var span = buf.Span;
            Wire.Send(buf);
            span[0] = 1;
        }
        """, "span[0]")]
    [InlineData("memory used after async send", """
        async Task M(OwnedBuffer buf)
        {
            var memory = buf.Memory;
            await sock.SendAsync(buf);
            await sock.SendAsync([|memory|], SocketFlags.None);
        }
        """, null)]
    [InlineData("slice used after send", """
        void M(OwnedBuffer buf)
        {
            var head = buf.Span.Slice(0, 4);
            Wire.Send(buf);
            Wire.Use([|head|]);
        }
        """, null)]
    [InlineData("memory slice used after send", """
        void M(OwnedBuffer buf)
        {
            ReadOnlyMemory<byte> head = buf.Memory.Slice(2);
            Wire.Send(buf);
            Wire.Use([|head|]);
        }
        """, null)]
    [InlineData("range slice used after send", """
        void M(OwnedBuffer buf)
        {
            var head = buf.Span[..4];
            Wire.Send(buf);
            Wire.Use([|head|]);
        }
        """, null)]
    [InlineData("GetSpan view used after dispose", """
        void M(OwnedBuffer buf)
        {
            var span = buf.GetSpan();
            buf.Dispose();
            Wire.Use([|span|]);
        }
        """, null)]
    [InlineData("view of view", """
        void M(OwnedBuffer buf)
        {
            var all = buf.Memory;
            var part = all.Slice(1);
            Wire.Send(buf);
            Wire.Use([|part|]);
        }
        """, null)]
    [InlineData("view copied to another local", """
        void M(OwnedBuffer buf)
        {
            var a = buf.Memory;
            var b = a;
            Wire.Send(buf);
            Wire.Use([|b|]);
        }
        """, null)]
    [InlineData("view used after handoff on some path", """
        void M(OwnedBuffer buf, bool flag)
        {
            var memory = buf.Memory;
            if (flag) Wire.Send(buf);
            Wire.Use([|memory|]);
        }
        """, null)]
    [InlineData("view used in later loop iteration after handoff", """
        void M(OwnedBuffer buf, int n)
        {
            var memory = buf.Memory;
            for (var i = 0; i < n; i++)
            {
                Wire.Use([|memory|]);
                if (i == 1) Wire.Send(buf);
            }
        }
        """, null)]
    [InlineData("view of alias", """
        void M(OwnedBuffer buf)
        {
            var alias = buf;
            var memory = alias.Memory;
            Wire.Send(buf);
            Wire.Use([|memory|]);
        }
        """, null)]
    [InlineData("view captured by lambda created after handoff", """
        Func<int> M(OwnedBuffer buf)
        {
            var memory = buf.Memory;
            Wire.Send(buf);
            return () => [|memory|].Length;
        }
        """, null)]
    [InlineData("view of field after handoff", """
        private OwnedBuffer _buffer = null!;
        void M()
        {
            var memory = _buffer.Memory;
            Wire.Send(_buffer);
            Wire.Use([|memory|]);
        }
        """, null)]
    [InlineData("view after constructor takes ownership", """
        void M(OwnedBuffer buf)
        {
            var memory = buf.Memory;
            using var frame = new Frame(buf);
            Wire.Use([|memory|]);
        }
        """, null)]
    [InlineData("memory range used after handoff", """
        async Task M(OwnedBuffer buf, CancellationToken ct)
        {
            var header = buf.Memory[..4];
            await sock.SendAsync(buf, ct);
            Wire.Use([|header|].Span);
        }
        """, null)]
    [InlineData("AsSpan extension view", """
        void M(OwnedBuffer buf)
        {
            ReadOnlySpan<byte> view = buf.Memory.Span;
            Wire.Send(buf);
            Wire.Use([|view|]);
        }
        """, null)]
    public Task View_used_after_handoff_is_reported(string name, string source, string? spanText)
    {
        _ = name;
        if (spanText is not null)
        {
            source = source.Replace(spanText, "[|" + spanText.Split('[')[0] + "|]" + spanText.Substring(spanText.Split('[')[0].Length), StringComparison.Ordinal);
        }

        return AnalyzerVerifier.VerifyMembersAsync(source, DiagnosticIds.ViewOutlivesHandoff);
    }

    [Theory]
    [InlineData("view used before handoff", """
        void M(OwnedBuffer buf)
        {
            var span = buf.Span;
            span[0] = 1;
            Wire.Send(buf);
        }
        """)]
    [InlineData("view retaken after reinit", """
        void M(OwnedBuffer buf)
        {
            var memory = buf.Memory;
            Wire.Send(buf);
            buf = pool.Rent();
            memory = buf.Memory;
            Wire.Use(memory);
            buf.Dispose();
        }
        """)]
    [InlineData("view from a different buffer", """
        void M(OwnedBuffer a, OwnedBuffer b)
        {
            var memory = b.Memory;
            Wire.Send(a);
            Wire.Use(memory);
        }
        """)]
    [InlineData("view of an array", """
        void M(OwnedBuffer buf, byte[] data)
        {
            var span = data.AsSpan();
            Wire.Send(buf);
            Wire.Use(span);
        }
        """)]
    [InlineData("length copied out before handoff", """
        int M(OwnedBuffer buf)
        {
            var length = buf.Span.Length;
            Wire.Send(buf);
            return length;
        }
        """)]
    [InlineData("data copied out before handoff", """
        byte[] M(OwnedBuffer buf)
        {
            var copy = buf.Span.ToArray();
            Wire.Send(buf);
            return copy;
        }
        """)]
    [InlineData("view only on the path without handoff", """
        void M(OwnedBuffer buf, bool flag)
        {
            if (flag)
            {
                Wire.Send(buf);
                return;
            }
            var memory = buf.Memory;
            Wire.Use(memory);
        }
        """)]
    [InlineData("view reassigned from another buffer", """
        void M(OwnedBuffer a, OwnedBuffer b)
        {
            var memory = a.Memory;
            Wire.Send(a);
            memory = b.Memory;
            Wire.Use(memory);
        }
        """)]
    [InlineData("view used in the loop before the handoff that exits", """
        void M(OwnedBuffer buf, int n)
        {
            var memory = buf.Memory;
            for (var i = 0; i < n; i++)
            {
                Wire.Use(memory);
            }
            Wire.Send(buf);
        }
        """)]
    public Task No_report(string name, string source)
    {
        _ = name;
        return AnalyzerVerifier.VerifyMembersAsync(source, DiagnosticIds.ViewOutlivesHandoff);
    }
}
