using System.Collections.Immutable;
using BypassNet.Analyzers.Tests.Verifier;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// The analyzer runs on every keystroke in an editor: on newer syntax and on code that does not compile yet it must
/// report what it can and never throw (AD0001 would disable it for the whole build). Each source uses owned buffers in
/// the shape named, and some are cut off mid-statement as a user typing would leave them.
/// </summary>
public sealed class OddSyntaxRobustnessTests
{
    private const string Usings = """
        #nullable enable
        using System;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using BypassNet;

        """;

    [Theory]
    [InlineData("record with a primary constructor holding a buffer", """
        public sealed record Packet(OwnedBuffer Payload, int Kind) : IDisposable
        {
            public void Dispose() => Payload.Dispose();
        }
        """)]
    [InlineData("class with a primary constructor that sends", """
        public sealed class Forwarder(BypassSocket sock, BufferPool pool)
        {
            public async Task RunAsync()
            {
                OwnedBuffer b = pool.Rent();
                await sock.SendAsync(b);
            }
        }
        """)]
    [InlineData("collection expression of buffers", """
        public sealed class C
        {
            public List<OwnedBuffer> Take(BufferPool pool) => [pool.Rent(), pool.Rent()];
        }
        """)]
    [InlineData("switch expression and patterns over a buffer", """
        public sealed class C
        {
            public async Task<int> M(BypassSocket sock, BufferPool pool, object o)
            {
                OwnedBuffer b = pool.Rent();
                int n = o switch { int i when i > 0 => i, string { Length: > 2 } s => s.Length, _ => 0 };
                if (b is { Length: > 0 } and var same)
                {
                    return await sock.SendAsync(same);
                }

                b.Dispose();
                return n;
            }
        }
        """)]
    [InlineData("goto and labels around a handoff", """
        public sealed class C
        {
            public async Task M(BypassSocket sock, BufferPool pool)
            {
                int tries = 0;
            again:
                OwnedBuffer b = pool.Rent();
                if (++tries < 3)
                {
                    b.Dispose();
                    goto again;
                }

                await sock.SendAsync(b);
            }
        }
        """)]
    [InlineData("async lambda and local function capturing a buffer", """
        public sealed class C
        {
            public Func<Task> M(BypassSocket sock, BufferPool pool)
            {
                OwnedBuffer b = pool.Rent();
                async Task Send() => await sock.SendAsync(b);
                return async () => await Send();
            }
        }
        """)]
    [InlineData("statement cut off after a handoff", """
        public sealed class C
        {
            public async Task M(BypassSocket sock, BufferPool pool)
            {
                OwnedBuffer b = pool.Rent();
                await sock.SendAsync(b);
                b.
            }
        }
        """)]
    [InlineData("call cut off inside its argument list", """
        public sealed class C
        {
            public async Task M(BypassSocket sock, BufferPool pool)
            {
                OwnedBuffer b = pool.Rent();
                await sock.SendAsync(b,
            }
        }
        """)]
    [InlineData("unknown names and a missing brace", """
        public sealed class C
        {
            public async Task M(BypassSocket sock, BufferPool pool)
            {
                OwnedBuffer b = pool.Rent();
                if (Unknown(b))
                {
                    await sock.SendAsync(b);
                Missing.Call(b);
        }
        """)]
    [InlineData("top-level statements", """
        var pool = new BufferPool();
        var sock = new BypassSocket();
        OwnedBuffer b = pool.Rent();
        await sock.SendAsync(b);
        """)]
    public async Task The_analyzer_never_throws(string shape, string members)
    {
        _ = shape;
        var compilation = AnalyzerVerifier.CreateCompilation(Usings + members);
        var withAnalyzers = compilation.WithAnalyzers(
            ImmutableArray.Create<DiagnosticAnalyzer>(new OwnershipAnalyzer()),
            new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: false));
        ImmutableArray<Diagnostic> all = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        Diagnostic[] crashes = all.Where(d => d.Id == "AD0001").ToArray();
        Assert.True(crashes.Length == 0, "Analyzer threw:\n" + string.Join("\n", crashes.Select(c => c.GetMessage(System.Globalization.CultureInfo.InvariantCulture))));
    }
}
