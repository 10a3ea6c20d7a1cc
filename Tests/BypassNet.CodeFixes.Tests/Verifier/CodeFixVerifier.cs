using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace BypassNet.CodeFixes.Tests.Verifier;

/// <summary>
/// Runs an analyzer and its code fix on sources in an <see cref="AdhocWorkspace"/> and checks the outcome: the exact
/// diagnostics (marked <c>[|...|]</c>), the exact fixed text, that the fixed project compiles without new warnings,
/// and that the fixed project has none of the fixed diagnostics left. Reusable for any rule: BYP100/BYP101 now,
/// BYP001-BYP004 later.
/// </summary>
/// <typeparam name="TAnalyzer">The analyzer that reports the diagnostic.</typeparam>
/// <typeparam name="TCodeFix">The code fix under test.</typeparam>
public static class CodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    /// <summary>The diagnostics of <typeparamref name="TAnalyzer"/> on the project, in source order. Analyzer exceptions fail the test.</summary>
    public static async Task<ImmutableArray<Diagnostic>> GetDiagnosticsAsync(Project project)
    {
        Compilation compilation = (await project.GetCompilationAsync())!;
        var analyzer = new TAnalyzer();
        var exceptions = new List<Exception>();
        var withAnalyzers = compilation.WithAnalyzers(
            ImmutableArray.Create<DiagnosticAnalyzer>(analyzer),
            new CompilationWithAnalyzersOptions(
                project.AnalyzerOptions,
                onAnalyzerException: (ex, _, _) => { lock (exceptions) { exceptions.Add(ex); } },
                concurrentAnalysis: true,
                logAnalyzerExecutionTime: false,
                reportSuppressedDiagnostics: false));
        ImmutableArray<Diagnostic> all = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        Assert.True(exceptions.Count == 0, "The analyzer threw: " + string.Join("\n", exceptions));
        Assert.DoesNotContain(all, d => d.Id == "AD0001");
        return all
            .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ToImmutableArray();
    }

    /// <summary>
    /// Checks that the diagnostics with id <paramref name="diagnosticId"/> are exactly at the <c>[|...|]</c> spans of
    /// each source (no marks: none expected).
    /// </summary>
    public static async Task<ImmutableArray<Diagnostic>> VerifyDiagnosticsAsync(string diagnosticId, TestProject markupProject)
    {
        var expected = new Dictionary<string, List<TextSpan>>();
        for (int i = 0; i < markupProject.Sources.Count; i++)
        {
            (string name, string markup) = markupProject.Sources[i];
            (string text, List<TextSpan> spans) = Markup.Parse(markup);
            markupProject.Sources[i] = (name, text);
            expected[name] = spans;
        }

        using var workspace = new AdhocWorkspace();
        Project project = markupProject.Build(workspace);
        ImmutableArray<Diagnostic> all = await GetDiagnosticsAsync(project);
        ImmutableArray<Diagnostic> diagnostics = all.Where(d => d.Id == diagnosticId).ToImmutableArray();
        foreach ((string name, List<TextSpan> spans) in expected)
        {
            List<TextSpan> actual = diagnostics
                .Where(d => Path.GetFileName(d.Location.SourceTree?.FilePath) == name)
                .Select(d => d.Location.SourceSpan)
                .OrderBy(s => s.Start).ThenBy(s => s.Length)
                .ToList();
            string text = markupProject.Sources.First(s => s.Name == name).Text;
            Assert.True(
                spans.SequenceEqual(actual),
                $"{name}: expected {diagnosticId} at\n  {Describe(text, spans)}\nbut got\n  {Describe(text, actual)}\nall: {string.Join("\n", all)}");
        }

        return diagnostics;
    }

    /// <summary>Checks that no diagnostic <paramref name="diagnosticId"/> is reported.</summary>
    public static async Task VerifyNoDiagnosticAsync(string diagnosticId, TestProject project)
    {
        using var workspace = new AdhocWorkspace();
        ImmutableArray<Diagnostic> diagnostics = await GetDiagnosticsAsync(project.Build(workspace));
        Assert.True(!diagnostics.Any(d => d.Id == diagnosticId), "Unexpected: " + string.Join("\n", diagnostics.Where(d => d.Id == diagnosticId)));
    }

    /// <summary>
    /// Applies the fix to the first diagnostic <paramref name="diagnosticId"/> (or the one at <paramref name="diagnosticIndex"/>)
    /// and compares every source with <paramref name="expected"/> (same order as the project's sources).
    /// </summary>
    public static async Task VerifyFixAsync(string diagnosticId, TestProject project, string[] expected, int diagnosticIndex = 0, int actionIndex = 0, int remaining = 0)
    {
        using var workspace = new AdhocWorkspace();
        Project before = project.Build(workspace);
        ImmutableArray<Diagnostic> diagnostics = (await GetDiagnosticsAsync(before)).Where(d => d.Id == diagnosticId).ToImmutableArray();
        Assert.True(diagnostics.Length > diagnosticIndex, $"Expected at least {diagnosticIndex + 1} {diagnosticId}, got {diagnostics.Length}.");
        Diagnostic diagnostic = diagnostics[diagnosticIndex];
        Document document = before.GetDocument(diagnostic.Location.SourceTree!)!;

        var fix = new TCodeFix();
        var actions = new List<CodeAction>();
        await fix.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        Assert.True(actions.Count > actionIndex, $"The fix offered {actions.Count} actions for {diagnostic}.");
        Solution after = await ApplyAsync(actions[actionIndex]);
        await VerifyResultAsync(diagnosticId, before, after, expected, remaining);
    }

    /// <summary>Checks that the fix offers nothing for any diagnostic <paramref name="diagnosticId"/>.</summary>
    public static async Task VerifyNoFixAsync(string diagnosticId, TestProject project)
    {
        using var workspace = new AdhocWorkspace();
        Project before = project.Build(workspace);
        ImmutableArray<Diagnostic> diagnostics = (await GetDiagnosticsAsync(before)).Where(d => d.Id == diagnosticId).ToImmutableArray();
        Assert.NotEmpty(diagnostics);
        var fix = new TCodeFix();
        foreach (Diagnostic diagnostic in diagnostics)
        {
            var actions = new List<CodeAction>();
            Document document = before.GetDocument(diagnostic.Location.SourceTree!)!;
            await fix.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
            Assert.True(actions.Count == 0, $"Unexpected fix '{actions.FirstOrDefault()?.Title}' for {diagnostic}");
        }
    }

    /// <summary>
    /// Runs Fix All with <paramref name="scope"/> from the first diagnostic <paramref name="diagnosticId"/> and compares
    /// every source with <paramref name="expected"/>.
    /// </summary>
    public static async Task VerifyFixAllAsync(string diagnosticId, TestProject project, string[] expected, FixAllScope scope = FixAllScope.Document)
    {
        using var workspace = new AdhocWorkspace();
        Project before = project.Build(workspace);
        ImmutableArray<Diagnostic> diagnostics = (await GetDiagnosticsAsync(before)).Where(d => d.Id == diagnosticId).ToImmutableArray();
        Assert.NotEmpty(diagnostics);
        Diagnostic first = diagnostics[0];
        Document document = before.GetDocument(first.Location.SourceTree!)!;

        var fix = new TCodeFix();
        var actions = new List<CodeAction>();
        await fix.RegisterCodeFixesAsync(new CodeFixContext(document, first, (action, _) => actions.Add(action), CancellationToken.None));
        Assert.NotEmpty(actions);
        FixAllProvider provider = fix.GetFixAllProvider() ?? throw new InvalidOperationException("No Fix All provider.");
        Assert.Contains(scope, provider.GetSupportedFixAllScopes());
        var context = scope == FixAllScope.Document
            ? new FixAllContext(document, fix, scope, actions[0].EquivalenceKey, new[] { diagnosticId }, new Provider(diagnostics), CancellationToken.None)
            : new FixAllContext(before, fix, scope, actions[0].EquivalenceKey, new[] { diagnosticId }, new Provider(diagnostics), CancellationToken.None);
        CodeAction? fixAll = await provider.GetFixAsync(context);
        Assert.NotNull(fixAll);
        Solution after = await ApplyAsync(fixAll);
        await VerifyResultAsync(diagnosticId, before, after, expected);
    }

    /// <summary>
    /// Runs Fix All with <paramref name="scope"/> and checks the outcome like <see cref="VerifyFixAllAsync"/> (compiles,
    /// no new warnings, <paramref name="remaining"/> diagnostics left) without comparing text; returns the fixed sources
    /// in project order, for programs too large to spell out. With <paramref name="unreported"/>, also checks that the
    /// original reports no such diagnostic (BYP102: the program migrates whole), from the same analysis run.
    /// </summary>
    public static async Task<string[]> FixAllAndCompileAsync(string diagnosticId, TestProject project, FixAllScope scope = FixAllScope.Solution, int remaining = 0, string? unreported = null)
    {
        using var workspace = new AdhocWorkspace();
        Project before = project.Build(workspace);
        ImmutableArray<Diagnostic> all = await GetDiagnosticsAsync(before);
        if (unreported is not null)
        {
            Assert.True(!all.Any(d => d.Id == unreported), "Unexpected: " + string.Join("\n", all.Where(d => d.Id == unreported)));
        }

        ImmutableArray<Diagnostic> diagnostics = all.Where(d => d.Id == diagnosticId).ToImmutableArray();
        Assert.True(diagnostics.Length > 0, $"No {diagnosticId}; the analyzer reported:\n" + string.Join("\n", all));
        Diagnostic first = diagnostics[0];
        Document document = before.GetDocument(first.Location.SourceTree!)!;
        var fix = new TCodeFix();
        var actions = new List<CodeAction>();
        await fix.RegisterCodeFixesAsync(new CodeFixContext(document, first, (action, _) => actions.Add(action), CancellationToken.None));
        Assert.NotEmpty(actions);
        FixAllProvider provider = fix.GetFixAllProvider() ?? throw new InvalidOperationException("No Fix All provider.");
        var context = scope == FixAllScope.Document
            ? new FixAllContext(document, fix, scope, actions[0].EquivalenceKey, new[] { diagnosticId }, new Provider(diagnostics), CancellationToken.None)
            : new FixAllContext(before, fix, scope, actions[0].EquivalenceKey, new[] { diagnosticId }, new Provider(diagnostics), CancellationToken.None);
        CodeAction? fixAll = await provider.GetFixAsync(context);
        Assert.NotNull(fixAll);
        Solution after = await ApplyAsync(fixAll);
        await VerifyResultAsync(diagnosticId, before, after, null, remaining);
        Project fixedProject = after.GetProject(before.Id)!;
        var texts = new List<string>();
        foreach (DocumentId id in before.DocumentIds)
        {
            texts.Add((await fixedProject.GetDocument(id)!.GetTextAsync()).ToString());
        }

        return texts.ToArray();
    }

    private static async Task<Solution> ApplyAsync(CodeAction action)
    {
        ImmutableArray<CodeActionOperation> operations = await action.GetOperationsAsync(CancellationToken.None);
        return Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution;
    }

    private static async Task VerifyResultAsync(string diagnosticId, Project before, Solution afterSolution, string[]? expected, int remaining = 0)
    {
        Project after = afterSolution.GetProject(before.Id)!;
        List<Document> documents = before.Documents.Select(d => after.GetDocument(d.Id)!).ToList();
        Assert.True(expected is null || expected.Length == documents.Count, "Expected as many sources as the project has.");
        for (int i = 0; expected is not null && i < expected.Length; i++)
        {
            string actual = (await documents[i].GetTextAsync()).ToString();
            Assert.Equal(Normalize(expected[i]), Normalize(actual));
        }

        // The fixed program compiles, with no warning it did not have before.
        Compilation beforeCompilation = (await before.GetCompilationAsync())!;
        Compilation afterCompilation = (await after.GetCompilationAsync())!;
        var errors = afterCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "The fixed code does not compile:\n" + string.Join("\n", errors));
        var warningsBefore = beforeCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Warning).Select(d => d.Id).OrderBy(x => x).ToList();
        var warningsAfter = afterCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Warning).ToList();
        Assert.True(
            warningsAfter.Select(d => d.Id).OrderBy(x => x).SequenceEqual(warningsBefore),
            "The fix changed the warnings:\n" + string.Join("\n", warningsAfter));

        // And the fixed diagnostics are gone (all of them, unless the test expects some others to remain).
        ImmutableArray<Diagnostic> left = (await GetDiagnosticsAsync(after)).Where(d => d.Id == diagnosticId).ToImmutableArray();
        Assert.True(left.Length == remaining, $"{left.Length} {diagnosticId} left after the fix, expected {remaining}:\n" + string.Join("\n", left));
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n");

    private static string Describe(string text, IEnumerable<TextSpan> spans)
    {
        var builder = new StringBuilder();
        foreach (TextSpan span in spans)
        {
            builder.Append('[').Append(span.Start).Append("..").Append(span.End).Append("] '").Append(text.Substring(span.Start, span.Length)).Append("'  ");
        }

        return builder.Length == 0 ? "(none)" : builder.ToString();
    }

    /// <summary>Hands Fix All the diagnostics computed up front, as IDEs and dotnet format do.</summary>
    private sealed class Provider : FixAllContext.DiagnosticProvider
    {
        private readonly ImmutableArray<Diagnostic> _diagnostics;

        public Provider(ImmutableArray<Diagnostic> diagnostics) => _diagnostics = diagnostics;

        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(_diagnostics);

        public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) =>
            Task.FromResult(_diagnostics.Where(d => d.Location.SourceTree is { } tree && tree.FilePath == document.FilePath));

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult(_diagnostics.Where(d => !d.Location.IsInSource));
    }
}
