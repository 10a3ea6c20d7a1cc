using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit.Abstractions;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// A realistic sample (the same one measure-cost.sh builds): it must give no ownership findings (a precision
/// check), and the test prints how long the analyzer ran against how long compiling took. Timing decides nothing.
/// </summary>
public sealed class CostHarnessTests
{
            // The sample lives in CostSample/ so that this test and measure-cost.sh compile the very same code.
    private static readonly string Contract = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "CostSample", "Contract.cs.txt"));
    private static readonly string Service = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "CostSample", "Service.cs.txt"));

    private readonly ITestOutputHelper _output;

    public CostHarnessTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Realistic_sample_has_no_findings_and_prints_the_cost()
    {
        var files = int.TryParse(Environment.GetEnvironmentVariable("BYPASSNET_COST_FILES"), out var n) ? n : 12;
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = new List<SyntaxTree>
        {
            CSharpSyntaxTree.ParseText(Contract, parse, "Contract.cs"),
            CSharpSyntaxTree.ParseText("global using System; global using System.Collections.Generic; global using System.Linq; global using System.Threading; global using System.Threading.Tasks;", parse, "Usings.cs"),
        };
        for (var i = 1; i <= files; i++)
        {
            var text = Service.Replace("{N}", i.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{AREA}", (i % 7).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            trees.Add(CSharpSyntaxTree.ParseText(text, parse, $"Service{i}.cs"));
        }

        var references = Verifier.AnalyzerVerifier.CreateCompilation("").References;
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable);
        var analyzer = new OwnershipAnalyzer();
        var compileMs = new List<double>();
        var analyzerMs = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            // Compile: bind everything and emit.
            var compilation = CSharpCompilation.Create("Sample" + round, trees, references, options);
            var watch = Stopwatch.StartNew();
            var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            using (var stream = new MemoryStream())
            {
                compilation.Emit(stream);
            }

            compileMs.Add(watch.Elapsed.TotalMilliseconds);
            Assert.Empty(errors);

            var withAnalyzer = CSharpCompilation.Create("Analyzed" + round, trees, references, options).WithAnalyzers(
                ImmutableArray.Create<DiagnosticAnalyzer>(analyzer),
                new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false, logAnalyzerExecutionTime: true));
            var findings = await withAnalyzer.GetAnalyzerDiagnosticsAsync();
            Assert.Empty(findings.Where(d => d.Id.StartsWith("BYP", StringComparison.Ordinal) || d.Id == "AD0001"));
            var telemetry = await withAnalyzer.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None);
            analyzerMs.Add(telemetry.ExecutionTime.TotalMilliseconds);
        }

        // The first round pays for JIT; report the best of the rest.
        var compile = compileMs.Skip(1).Min();
        var analysis = analyzerMs.Skip(1).Min();
        _output.WriteLine($"{files} files: compile {compile:F0} ms, ownership analyzer {analysis:F0} ms, cost {analysis * 100 / compile:F1}% (first round: {compileMs[0]:F0} / {analyzerMs[0]:F0} ms)");
    }
}
