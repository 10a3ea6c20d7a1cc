using BypassNet.CodeFixes.Tests.Verifier;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.OwnershipAnalyzer,
    BypassNet.CodeFixes.Ownership.DoubleHandoffCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.Ownership;

public class BYP002_DoubleHandoffFixTests
{
    private const string Id = "BYP002";

    private static string Wrap(string body) => $$"""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using BypassNet;

        class C
        {
            static async Task M(BypassSocket socket, int count, CancellationToken ct)
            {
        {{body}}
            }
        }
        """;

    [Fact]
    public async Task Moves_the_acquisition_into_the_loop()
    {
        string source = Wrap("""
                    OwnedBuffer buffer = socket.Buffers.Rent();
                    for (int i = 0; i < count; i++)
                    {
                        buffer.Span[0] = (byte)i;
                        buffer.Length = 1;
                        await socket.SendAsync(buffer, ct);
                    }
            """);
        string expected = Wrap("""
                    for (int i = 0; i < count; i++)
                    {
                        OwnedBuffer buffer = socket.Buffers.Rent();
                        buffer.Span[0] = (byte)i;
                        buffer.Length = 1;
                        await socket.SendAsync(buffer, ct);
                    }
            """);

        // The next iteration's first bad use is the read `buffer.Span`: reported as BYP001, fixed by the same move.
        await Verify.VerifyFixAsync("BYP001", TestProject.From(source), new[] { expected });
    }

    [Fact]
    public async Task Not_offered_when_the_value_is_used_after_the_loop_or_for_two_sends_in_a_row()
    {
        await Verify.VerifyNoFixAsync(Id, TestProject.From(Wrap("""
                    OwnedBuffer twice = socket.Buffers.Rent();
                    await socket.SendAsync(twice, ct);
                    await socket.SendAsync(twice, ct);

                    OwnedBuffer after = socket.Buffers.Rent();
                    while (count-- > 0)
                    {
                        await socket.SendAsync(after, ct);
                    }

                    Console.WriteLine(after.IsOwned);
            """)));
    }
}
