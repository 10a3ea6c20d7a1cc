using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// The rules find owned types by [Owned], whatever their kind: here OwnedBuffer is a readonly struct, as in the
/// runtime. Copies of a struct handle alias one lease, so a copy is tracked like a reference alias. Each bug has a
/// corrected twin that must stay silent.
/// </summary>
public sealed class StructOwnedTypeTests
{
    [Theory]
    [InlineData("member access after send", "BYP001", """
        void M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            _ = [|buf|].Length;
        }
        """)]
    [InlineData("Memory after SendAsync", "BYP001", """
        async Task M(OwnedBuffer buf)
        {
            await sock.SendAsync(buf);
            Wire.Use([|buf|].Memory);
        }
        """)]
    [InlineData("copy used after the original was sent", "BYP001", """
        void M(OwnedBuffer buf)
        {
            var copy = buf;
            Wire.Send(buf);
            _ = [|copy|].Length;
        }
        """)]
    [InlineData("send twice", "BYP002", """
        void M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            Wire.Send([|buf|]);
        }
        """)]
    [InlineData("copy sent after the original", "BYP002", """
        void M(OwnedBuffer buf)
        {
            var copy = buf;
            Wire.Send(buf);
            Wire.Send([|copy|]);
        }
        """)]
    [InlineData("handoff after dispose", "BYP002", """
        void M(OwnedBuffer buf)
        {
            buf.Dispose();
            Wire.Send([|buf|]);
        }
        """)]
    [InlineData("rent never released", "BYP003", """
        void M()
        {
            var buf = [|pool.Rent()|];
            Wire.Use(buf);
        }
        """)]
    [InlineData("received and dropped", "BYP003", """
        async Task<int> M()
        {
            var buf = [|await sock.ReceiveAsync()|];
            return buf.Length;
        }
        """)]
    public Task Bugs_are_reported_on_a_struct_owned_type(string name, string id, string source)
    {
        _ = name;
        return AnalyzerVerifier.VerifyStructMembersAsync(source, id);
    }

    [Theory]
    [InlineData("read before send", """
        void M(OwnedBuffer buf)
        {
            _ = buf.Length;
            Wire.Send(buf);
        }
        """)]
    [InlineData("Memory before SendAsync", """
        async Task M(OwnedBuffer buf)
        {
            Wire.Use(buf.Memory);
            await sock.SendAsync(buf);
        }
        """)]
    [InlineData("copy used before the original was sent", """
        void M(OwnedBuffer buf)
        {
            var copy = buf;
            _ = copy.Length;
            Wire.Send(buf);
        }
        """)]
    [InlineData("send once", """
        void M(OwnedBuffer buf)
        {
            Wire.Send(buf);
        }
        """)]
    [InlineData("one of the aliases sent, once", """
        void M(OwnedBuffer buf)
        {
            var copy = buf;
            Wire.Send(copy);
        }
        """)]
    [InlineData("send instead of dispose", """
        void M(OwnedBuffer buf, bool flag)
        {
            if (flag)
            {
                buf.Dispose();
            }
            else
            {
                Wire.Send(buf);
            }
        }
        """)]
    [InlineData("rent released by using", """
        void M()
        {
            using var buf = pool.Rent();
            Wire.Use(buf);
        }
        """)]
    [InlineData("received and disposed", """
        async Task<int> M()
        {
            using var buf = await sock.ReceiveAsync();
            return buf.Length;
        }
        """)]
    [InlineData("TryRent with a plain out value, sent when rented", """
        void M()
        {
            if (pool.TryRent(out OwnedBuffer buf))
            {
                Wire.Send(buf);
            }
        }
        """)]
    public Task Corrected_twins_are_silent_on_a_struct_owned_type(string name, string source)
    {
        _ = name;
        return AnalyzerVerifier.VerifyStructMembersAsync(source);
    }
}
