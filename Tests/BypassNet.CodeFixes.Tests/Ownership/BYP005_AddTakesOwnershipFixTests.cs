using BypassNet.CodeFixes.Tests.Verifier;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.OwnershipAnalyzer,
    BypassNet.CodeFixes.Ownership.AddTakesOwnershipCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.Ownership;

/// <summary>BYP005: the summary's inferred [TakesOwnership] is offered as a fix that writes the attribute.</summary>
public class BYP005_AddTakesOwnershipFixTests
{
    private const string Id = "BYP005";

    [Fact]
    public async Task Reported_on_a_parameter_released_on_every_path_and_not_on_one_released_on_some()
    {
        await Verify.VerifyDiagnosticsAsync(Id, TestProject.From("""
            using System.Threading;
            using System.Threading.Tasks;
            using BypassNet;

            static class Helpers
            {
                public static async Task ForwardAsync(BypassSocket socket, OwnedBuffer [|buffer|], CancellationToken ct)
                {
                    if (buffer.Length == 0)
                    {
                        buffer.Dispose();
                        return;
                    }

                    await socket.SendAsync(buffer, ct);
                }

                public static async Task MaybeForwardAsync(BypassSocket socket, OwnedBuffer buffer, CancellationToken ct)
                {
                    if (buffer.Length > 0)
                    {
                        await socket.SendAsync(socket.Buffers.Rent(), ct);
                    }
                }

                public static void AlreadyDeclared([TakesOwnership] OwnedBuffer buffer) => buffer.Dispose();
            }
            """));
    }

    [Fact]
    public async Task Writes_the_attribute()
    {
        string source = """
            using BypassNet;

            static class Helpers
            {
                public static void Release(int tag, OwnedBuffer buffer)
                {
                    buffer.Dispose();
                }
            }
            """;
        string expected = """
            using BypassNet;

            static class Helpers
            {
                public static void Release(int tag, [TakesOwnership] OwnedBuffer buffer)
                {
                    buffer.Dispose();
                }
            }
            """;
        await Verify.VerifyFixAsync(Id, TestProject.From(source), new[] { expected });
    }

    [Fact]
    public async Task Adds_the_using_when_the_type_is_written_qualified()
    {
        string source = """
            static class Helpers
            {
                public static void Release(BypassNet.OwnedBuffer buffer) => buffer.Dispose();
            }
            """;
        string expected = """
            using BypassNet;

            static class Helpers
            {
                public static void Release([TakesOwnership] BypassNet.OwnedBuffer buffer) => buffer.Dispose();
            }
            """;
        await Verify.VerifyFixAsync(Id, TestProject.From(source), new[] { expected });
    }

    [Fact]
    public async Task Not_reported_for_virtual_methods_or_cycles_of_two_methods()
    {
        await Verify.VerifyNoDiagnosticAsync(Id, TestProject.From("""
            using BypassNet;

            class Handler
            {
                public virtual void Release(OwnedBuffer buffer) => buffer.Dispose();

                public static void Ping(OwnedBuffer buffer, int depth)
                {
                    if (depth == 0)
                    {
                        buffer.Dispose();
                        return;
                    }

                    Pong(buffer, depth - 1);
                }

                public static void Pong(OwnedBuffer buffer, int depth) => Ping(buffer, depth);
            }
            """));
    }

    [Fact]
    public async Task A_method_that_calls_itself_gets_the_attribute()
    {
        string source = """
            using BypassNet;

            static class Helpers
            {
                public static void Drain(OwnedBuffer buffer, int depth)
                {
                    if (depth == 0)
                    {
                        buffer.Dispose();
                        return;
                    }

                    Drain(buffer, depth - 1);
                }
            }
            """;
        string expected = """
            using BypassNet;

            static class Helpers
            {
                public static void Drain([TakesOwnership] OwnedBuffer buffer, int depth)
                {
                    if (depth == 0)
                    {
                        buffer.Dispose();
                        return;
                    }

                    Drain(buffer, depth - 1);
                }
            }
            """;
        await Verify.VerifyFixAsync(Id, TestProject.From(source), new[] { expected });
    }
}
