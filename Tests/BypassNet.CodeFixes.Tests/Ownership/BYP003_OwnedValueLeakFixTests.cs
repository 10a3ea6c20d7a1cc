using BypassNet.CodeFixes.Tests.Verifier;
using Microsoft.CodeAnalysis.CodeFixes;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.OwnershipAnalyzer,
    BypassNet.CodeFixes.Ownership.OwnedValueLeakCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.Ownership;

public class BYP003_OwnedValueLeakFixTests
{
    private const string Id = "BYP003";

    private static string Wrap(string body) => $$"""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using BypassNet;

        class C
        {
            static async Task<int> M(BypassSocket socket, bool stop, CancellationToken ct)
            {
        {{body}}
            }
        }
        """;

    [Fact]
    public async Task Adds_using_to_a_buffer_leaked_on_an_early_return()
    {
        string source = Wrap("""
                    // the chunk
                    var chunk = await socket.ReceiveAsync(ct);
                    if (chunk.Length == 0)
                    {
                        return 0;
                    }

                    return await socket.SendAsync(chunk, ct);
            """);
        string expected = Wrap("""
                    // the chunk
                    using var chunk = await socket.ReceiveAsync(ct);
                    if (chunk.Length == 0)
                    {
                        return 0;
                    }

                    return await socket.SendAsync(chunk, ct);
            """);
        await Verify.VerifyFixAsync(Id, TestProject.From(source), new[] { expected });
    }

    [Fact]
    public async Task Adds_using_to_a_buffer_chosen_by_a_conditional()
    {
        // One value from two acquisitions: reported once on the whole conditional, so the declaration gets the fix.
        string source = Wrap("""
                    var chunk = stop ? socket.Buffers.Rent() : await socket.ReceiveAsync(ct);
                    return chunk.Length;
            """);
        string expected = Wrap("""
                    using var chunk = stop ? socket.Buffers.Rent() : await socket.ReceiveAsync(ct);
                    return chunk.Length;
            """);
        await Verify.VerifyFixAsync(Id, TestProject.From(source), new[] { expected });
    }

    [Fact]
    public async Task Fix_all_adds_using_to_each_leak_in_the_document()
    {
        string source = Wrap("""
                    OwnedBuffer a = socket.Buffers.Rent();
                    if (stop) return 0;
                    a.Span[0] = 1;
                    a.Length = 1;
                    await socket.SendAsync(a, ct);
                    var b = socket.Buffers.Rent();
                    if (ct.IsCancellationRequested) return 1;
                    return await socket.SendAsync(b, ct);
            """);
        string expected = Wrap("""
                    using OwnedBuffer a = socket.Buffers.Rent();
                    if (stop) return 0;
                    a.Span[0] = 1;
                    a.Length = 1;
                    await socket.SendAsync(a, ct);
                    using var b = socket.Buffers.Rent();
                    if (ct.IsCancellationRequested) return 1;
                    return await socket.SendAsync(b, ct);
            """);
        await Verify.VerifyFixAllAsync(Id, TestProject.From(source), new[] { expected }, FixAllScope.Document);
    }

    public static TheoryData<string, string> NotOffered => new()
    {
        { "returned on another path", "var b = socket.Buffers.Rent(); if (stop) { Keep(b); return 1; } if (ct.IsCancellationRequested) return 2; return await socket.SendAsync(b, ct);" },
        { "reassigned", "var b = socket.Buffers.Rent(); if (stop) return 0; b = socket.Buffers.Rent(); return await socket.SendAsync(b, ct);" },
        { "captured", "var b = socket.Buffers.Rent(); if (stop) return 0; Func<int> f = () => b.Length; return f();" },
        { "not a local declaration", "if (stop) return 0; return socket.Buffers.Rent().Length;" },
    };

    [Theory]
    [MemberData(nameof(NotOffered))]
    public async Task Not_offered_where_dispose_at_scope_end_could_be_wrong(string why, string body)
    {
        Assert.NotNull(why);
        string source = Wrap(body).Replace("class C\n{", "class C\n{\n    static void Keep(OwnedBuffer b) { }\n");
        await Verify.VerifyNoFixAsync(Id, TestProject.From(source));
    }
}
