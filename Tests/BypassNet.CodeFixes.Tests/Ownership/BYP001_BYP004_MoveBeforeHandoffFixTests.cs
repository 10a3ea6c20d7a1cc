using BypassNet.CodeFixes.Tests.Verifier;
using Microsoft.CodeAnalysis.CodeFixes;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.OwnershipAnalyzer,
    BypassNet.CodeFixes.Ownership.UseAfterHandoffCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.Ownership;

public class BYP001_BYP004_MoveBeforeHandoffFixTests
{
    private static string Wrap(string body) => $$"""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using BypassNet;

        class C
        {
            static int s_last;

            static async Task M(BypassSocket socket, CancellationToken ct)
            {
        {{body}}
            }
        }
        """;

    [Fact]
    public async Task BYP001_moves_an_independent_read_before_the_send()
    {
        string source = Wrap("""
                    OwnedBuffer buffer = socket.Buffers.Rent();
                    buffer.Length = 4;
                    await socket.SendAsync(buffer, ct);
                    s_last = buffer.Length;
            """);
        string expected = Wrap("""
                    OwnedBuffer buffer = socket.Buffers.Rent();
                    buffer.Length = 4;
                    s_last = buffer.Length;
                    await socket.SendAsync(buffer, ct);
            """);
        await Verify.VerifyFixAsync("BYP001", TestProject.From(source), new[] { expected });
    }

    [Fact]
    public async Task BYP004_moves_a_view_use_before_the_send()
    {
        string source = Wrap("""
                    OwnedBuffer buffer = socket.Buffers.Rent();
                    Memory<byte> view = buffer.Memory;
                    await socket.SendAsync(buffer, ct);
                    s_last = view.Span[0];
            """);
        string expected = Wrap("""
                    OwnedBuffer buffer = socket.Buffers.Rent();
                    Memory<byte> view = buffer.Memory;
                    s_last = view.Span[0];
                    await socket.SendAsync(buffer, ct);
            """);
        await Verify.VerifyFixAsync("BYP004", TestProject.From(source), new[] { expected });
    }

    [Fact]
    public async Task Fix_all_moves_each_use_once()
    {
        string source = Wrap("""
                    OwnedBuffer a = socket.Buffers.Rent();
                    await socket.SendAsync(a, ct);
                    s_last = a.Capacity;
                    OwnedBuffer b = socket.Buffers.Rent();
                    b.Dispose();
                    Console.WriteLine(b.Capacity);
            """);
        string expected = Wrap("""
                    OwnedBuffer a = socket.Buffers.Rent();
                    s_last = a.Capacity;
                    await socket.SendAsync(a, ct);
                    OwnedBuffer b = socket.Buffers.Rent();
                    Console.WriteLine(b.Capacity);
                    b.Dispose();
            """);
        await Verify.VerifyFixAllAsync("BYP001", TestProject.From(source), new[] { expected }, FixAllScope.Document);
    }

    [Fact]
    public async Task Not_offered_when_the_use_depends_on_the_handoff_or_is_not_next_to_it()
    {
        await Verify.VerifyNoFixAsync("BYP001", TestProject.From(Wrap("""
                    OwnedBuffer a = socket.Buffers.Rent();
                    int sent = await socket.SendAsync(a, ct);
                    s_last = a.Capacity + sent;

                    OwnedBuffer b = socket.Buffers.Rent();
                    await socket.SendAsync(b, ct);
                    s_last = 0;
                    s_last = b.Capacity;

                    for (int i = 0; i < 2; i++)
                    {
                        OwnedBuffer c = socket.Buffers.Rent();
                        await socket.SendAsync(c, ct);
                        if (c.Capacity > 0) return;
                    }
            """)));
    }
}
