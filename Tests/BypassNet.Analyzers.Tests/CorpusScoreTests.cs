using System.Collections.Immutable;
using System.Globalization;
using BypassNet.Analyzers.Tests.Verifier;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit.Abstractions;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// Scores BYP001–BYP004 on a corpus of realistic code written against the real runtime (Corpus/*.cs.txt): proxies,
/// framers, transports, RESP handlers, services. Each case is a class; a bug is marked with the markup of
/// <see cref="Markup"/> (<c>{|BYP002:buf|}</c>), a correct case carries no markup. A finding counts as a true
/// positive when rule and span match a mark. Prints the figures, then holds them to precision ≥ 0.98, recall ≥ 0.97.
/// </summary>
public sealed class CorpusScoreTests
{
    private static readonly string[] ScoredRules = { "BYP001", "BYP002", "BYP003", "BYP004" };

    private readonly ITestOutputHelper _output;

    public CorpusScoreTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Corpus_scores_precision_and_recall()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Corpus");
        var files = Directory.GetFiles(folder, "*.cs.txt").OrderBy(f => f, StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        // The whole shared framework plus the runtime, as a project referencing BypassNet compiles against.
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p).StartsWith("Microsoft.Win32.", StringComparison.Ordinal)
                || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll" or "BypassNet.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
        int truePositives = 0, falsePositives = 0, falseNegatives = 0, cases = 0, bugCases = 0;
        foreach (var file in files)
        {
            var (source, expected) = Markup.Parse(File.ReadAllText(file), defaultId: null);
            cases += source.Split("\nsealed class ").Length - 1;
            var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: Path.GetFileName(file));
            bugCases += CountBugCases(tree, expected);
            var compilation = CSharpCompilation.Create(
                Path.GetFileNameWithoutExtension(file).Replace(".cs", "", StringComparison.Ordinal),
                new[] { tree },
                references,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, Path.GetFileName(file) + " does not compile:\n" + string.Join("\n", errors));
            var all = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new OwnershipAnalyzer()))
                .GetAnalyzerDiagnosticsAsync();
            Assert.DoesNotContain(all, d => d.Id == "AD0001");
            var actual = all.Where(d => ScoredRules.Contains(d.Id)).ToList();
            var unmatched = new List<ExpectedDiagnostic>(expected);
            foreach (var diagnostic in actual.OrderBy(d => d.Location.SourceSpan.Start))
            {
                var found = unmatched.FindIndex(e => e.Id == diagnostic.Id && e.Span == diagnostic.Location.SourceSpan);
                if (found >= 0)
                {
                    truePositives++;
                    unmatched.RemoveAt(found);
                }
                else
                {
                    falsePositives++;
                    _output.WriteLine($"false positive  {Describe(tree, diagnostic.Location.SourceSpan)}: {diagnostic.Id} {diagnostic.GetMessage(CultureInfo.InvariantCulture)}");
                }
            }

            foreach (var missed in unmatched)
            {
                falseNegatives++;
                _output.WriteLine($"false negative  {Describe(tree, missed.Span)}: {missed.Id} expected on '{source.Substring(missed.Span.Start, missed.Span.Length)}'");
            }
        }

        var precision = truePositives + falsePositives == 0 ? 1.0 : (double)truePositives / (truePositives + falsePositives);
        var recall = truePositives + falseNegatives == 0 ? 1.0 : (double)truePositives / (truePositives + falseNegatives);
        _output.WriteLine(string.Format(
            CultureInfo.InvariantCulture,
            "corpus: {0} files, {1} cases ({2} with bugs), {3} expected findings; TP {4}, FP {5}, FN {6}; precision {7:F3}, recall {8:F3}",
            files.Count, cases, bugCases, truePositives + falseNegatives, truePositives, falsePositives, falseNegatives, precision, recall));
        Assert.True(cases >= 120, $"the corpus has only {cases} cases");
        Assert.True(precision >= 0.98, $"precision {precision:F3} < 0.98");
        Assert.True(recall >= 0.97, $"recall {recall:F3} < 0.97");
    }

    private static int CountBugCases(SyntaxTree tree, List<ExpectedDiagnostic> expected) =>
        tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax>()
            .Count(c => c.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.BaseNamespaceDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.CompilationUnitSyntax
                && expected.Any(e => c.Span.Contains(e.Span)));

    private static string Describe(SyntaxTree tree, Microsoft.CodeAnalysis.Text.TextSpan span)
    {
        var node = tree.GetRoot().FindNode(span);
        var type = node.AncestorsAndSelf().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax>().LastOrDefault();
        var line = tree.GetLineSpan(span).StartLinePosition.Line + 1;
        return $"{tree.FilePath}:{line} ({type?.Identifier.Text ?? "?"})";
    }
}
