using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// The code is the contract, so the rule pages must agree with it: every ```csharp block of docs/rules/BYP001–BYP005
/// compiles against the real runtime, and the ownership rules report exactly the lines whose comment names a rule
/// (<c>// BYP001 ...</c>), nothing else.
/// </summary>
public sealed class RuleDocsExamplesTests
{
    public static TheoryData<string> Pages() => new() { "BYP001", "BYP002", "BYP003", "BYP004", "BYP005" };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Examples_compile_and_report_what_their_comments_say(string page)
    {
        var path = Path.Combine(FindRoot(), "docs", "rules", page + ".md");
        var blocks = CSharpBlock().Matches(File.ReadAllText(path)).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(blocks);
        foreach (var block in blocks)
        {
            var tree = CSharpSyntaxTree.ParseText(block, new CSharpParseOptions(LanguageVersion.Latest), path: page + ".cs");
            var compilation = CSharpCompilation.Create(
                page + "Example",
                new[] { tree },
                References.Value,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, $"{page}: an example does not compile:\n{string.Join("\n", errors)}\n{block}");
            var found = (await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new OwnershipAnalyzer())).GetAnalyzerDiagnosticsAsync())
                .Where(d => d.Id.StartsWith("BYP00", StringComparison.Ordinal))
                .Select(d => $"{d.Id}@{d.Location.GetLineSpan().StartLinePosition.Line + 1}")
                .OrderBy(s => s, StringComparer.Ordinal)
                .ToList();
            var lines = block.Split('\n');
            var expected = new List<string>();
            for (var i = 0; i < lines.Length; i++)
            {
                foreach (Match m in Expected().Matches(lines[i]))
                {
                    expected.Add($"{m.Groups[1].Value}@{(i + 1).ToString(CultureInfo.InvariantCulture)}");
                }
            }

            expected.Sort(StringComparer.Ordinal);
            Assert.True(expected.SequenceEqual(found), $"{page}: expected [{string.Join(", ", expected)}], analyzer gave [{string.Join(", ", found)}] for\n{block}");
        }
    }

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p).StartsWith("Microsoft.Win32.", StringComparison.Ordinal)
                || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll" or "BypassNet.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray());

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "docs", "rules")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("docs/rules not found above " + AppContext.BaseDirectory);
    }

    private static readonly Regex CSharpBlockPattern = new("```csharp\\n(.*?)```", RegexOptions.Singleline | RegexOptions.CultureInvariant);

    // A rule named at the start of a comment: `// BYP001: ...`, `// BYP003 when ...`, `// BYP005 on ...`.
    private static readonly Regex ExpectedPattern = new("//\\s*(BYP00[1-5])\\b", RegexOptions.CultureInvariant);

    private static Regex CSharpBlock() => CSharpBlockPattern;

    private static Regex Expected() => ExpectedPattern;
}
