using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace BypassNet.Analyzers.Tests.Verifier;

/// <summary>
/// A small stand-in for Microsoft.CodeAnalysis.Testing: compiles a marked-up source with the stand-in contract,
/// requires it to have no compiler errors, runs the ownership analyzer (all four rules at once) and requires exactly the
/// marked diagnostics (rule id and span). Running all rules at once catches cross-rule false positives too. The
/// info rule BYP005 is compared only when the markup expects it somewhere.
/// </summary>
public static class AnalyzerVerifier
{
    /// <summary>The usings and class that <see cref="VerifyMembersAsync"/> wraps around class members.</summary>
    private const string MembersPrefix = """
        #nullable enable
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Net.Sockets;
        using System.Threading;
        using System.Threading.Tasks;
        using BypassNet;

        public sealed class C
        {
            private readonly BufferPool pool = new BufferPool();
            private readonly BypassSocket sock = new BypassSocket();

        """;

    private const string MembersSuffix = "\n}\n";

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new OwnershipAnalyzer());

    /// <summary>Verifies class members placed in a class C that has fields <c>pool</c> and <c>sock</c>.</summary>
    public static Task VerifyMembersAsync(string members, string? defaultId = null) =>
        VerifyAsync(MembersPrefix + members + MembersSuffix, defaultId);

    /// <summary>As <see cref="VerifyMembersAsync"/>, with the runtime's shape of the contract: OwnedBuffer a readonly struct.</summary>
    public static Task VerifyStructMembersAsync(string members, string? defaultId = null) =>
        VerifyAsync(MembersPrefix + members + MembersSuffix, defaultId, StandIns.StructSource);

    /// <summary>A bug and its corrected twin, on both shapes of the contract (OwnedBuffer a class, and the runtime's struct).</summary>
    public static async Task VerifyPairAsync(string bug, string fix)
    {
        await VerifyMembersAsync(bug);
        await VerifyMembersAsync(fix);
        await VerifyStructPairAsync(bug, fix);
    }

    /// <summary>A bug and its corrected twin, on the runtime's shape only (code that needs the struct handle's members).</summary>
    public static async Task VerifyStructPairAsync(string bug, string fix)
    {
        await VerifyStructMembersAsync(bug);
        await VerifyStructMembersAsync(fix);
    }

    /// <summary>Verifies a whole compilation unit.</summary>
    public static async Task VerifyAsync(string markup, string? defaultId = null, string? standIns = null)
    {
        var (source, expected) = Markup.Parse(markup, defaultId);
        var actual = await GetDiagnosticsAsync(source, standIns).ConfigureAwait(false);

        // BYP005 (info, a suggestion to write [TakesOwnership]) is checked only by tests that mark it.
        if (!expected.Any(e => e.Id == "BYP005"))
        {
            actual = actual.Where(d => d.Id != "BYP005").ToImmutableArray();
        }

        var actualPairs = actual.Select(d => new ExpectedDiagnostic(d.Id, d.Location.SourceSpan)).OrderBy(e => e.Span.Start).ThenBy(e => e.Id).ToList();
        var expectedPairs = expected.OrderBy(e => e.Span.Start).ThenBy(e => e.Id).ToList();
        if (!actualPairs.SequenceEqual(expectedPairs))
        {
            var message = new StringBuilder();
            message.AppendLine("Expected:");
            foreach (var e in expectedPairs)
            {
                message.AppendLine($"  {e.Id} at {e.Span} '{source.Substring(e.Span.Start, e.Span.Length)}'");
            }

            message.AppendLine("Actual:");
            foreach (var d in actual.OrderBy(d => d.Location.SourceSpan.Start))
            {
                var span = d.Location.SourceSpan;
                message.AppendLine($"  {d.Id} at {span} '{source.Substring(span.Start, span.Length)}': {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}");
            }

            Assert.Fail(message.ToString());
        }
    }

    /// <summary>The ownership diagnostics of a source compiled with the stand-ins; fails on compiler errors or analyzer crashes.</summary>
    public static async Task<ImmutableArray<Diagnostic>> GetDiagnosticsAsync(string source, string? standIns = null)
    {
        var compilation = CreateCompilation(source, standIns: standIns);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "Test source does not compile:\n" + string.Join("\n", errors) + "\n" + source);

        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: null,
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        var withAnalyzers = compilation.WithAnalyzers(Analyzers, options);
        var all = await withAnalyzers.GetAnalyzerDiagnosticsAsync().ConfigureAwait(false);
        var crashes = all.Where(d => d.Id == "AD0001").ToList();
        Assert.True(crashes.Count == 0, "Analyzer threw:\n" + string.Join("\n", crashes.Select(c => c.GetMessage(System.Globalization.CultureInfo.InvariantCulture))));
        var testTree = compilation.SyntaxTrees.First();
        return all.Where(d => d.Id.StartsWith("BYP", StringComparison.Ordinal) && d.Location.SourceTree == testTree).ToImmutableArray();
    }

    /// <summary>Compiles the test source (first tree) with the stand-in contract (second tree).</summary>
    public static CSharpCompilation CreateCompilation(string source, bool withStandIns = true, string? standIns = null)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(source, parse, path: "Test.cs") };
        if (withStandIns)
        {
            trees.Add(CSharpSyntaxTree.ParseText(standIns ?? StandIns.Source, parse, path: "StandIns.cs"));
        }

        return CSharpCompilation.Create(
            "TestAssembly",
            trees,
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return paths
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    }
}
