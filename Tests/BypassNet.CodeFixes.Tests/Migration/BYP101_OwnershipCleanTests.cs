using BypassNet.CodeFixes.Tests.Verifier;
using Microsoft.CodeAnalysis;

namespace BypassNet.CodeFixes.Tests.Migration;

/// <summary>The code the BYP101 fix produces is clean for the ownership rules BYP001-BYP004.</summary>
public class BYP101_OwnershipCleanTests
{
    [Fact]
    public async Task Forwarding_loop_from_the_fix_has_no_ownership_diagnostics()
    {
        using var workspace = new AdhocWorkspace();
        Project project = TestProject.From("""
            using System.Threading;
            using System.Threading.Tasks;
            using BypassNet;

            class Relay
            {
                static async Task Forward(BypassSocket from, BypassSocket to, CancellationToken ct)
                {
                    while (true)
                    {
                        OwnedBuffer chunk = await from.ReceiveAsync(ct);
                        if (chunk.Length == 0)
                        {
                            chunk.Dispose();
                            break;
                        }
                        await to.SendAsync(chunk, ct);
                    }
                }
            }
            """).Build(workspace);
        var diagnostics = await CodeFixVerifier<BypassNet.Analyzers.OwnershipAnalyzer, BypassNet.CodeFixes.Ownership.OwnedValueLeakCodeFixProvider>
            .GetDiagnosticsAsync(project);
        Assert.Empty(diagnostics.Where(d => d.Id.StartsWith("BYP00", StringComparison.Ordinal)));
    }

    /// <summary>Runs the ownership rules on a fixed source and fails on any BYP001-BYP004.</summary>
    internal static async Task AssertOwnershipCleanAsync(string source)
    {
        using var workspace = new AdhocWorkspace();
        Project project = TestProject.From(source).Build(workspace);
        var diagnostics = await CodeFixVerifier<BypassNet.Analyzers.OwnershipAnalyzer, BypassNet.CodeFixes.Ownership.OwnedValueLeakCodeFixProvider>
            .GetDiagnosticsAsync(project);
        Assert.True(
            !diagnostics.Any(d => d.Id.StartsWith("BYP00", StringComparison.Ordinal)),
            string.Join("\n", diagnostics.Where(d => d.Id.StartsWith("BYP00", StringComparison.Ordinal))));
    }
}
