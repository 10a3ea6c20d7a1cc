using System.Collections.Immutable;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.Extensions.Logging;

namespace BypassNet.Docs.Tests;

/// <summary>
/// Compiles a documentation snippet the way a user's new project would: a console project that added the BypassNet
/// package, or, for a snippet that builds a web app, a web project that added BypassNet.AspNetCore. The SDK's implicit
/// usings of that project kind apply; a snippet with statements at the top is a program, one with only declarations a
/// library.
/// </summary>
internal static class SnippetCompiler
{
    private static readonly string[] ConsoleUsings =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks",
    ];

    private static readonly string[] WebUsings =
    [
        .. ConsoleUsings, "System.Net.Http.Json", "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Http",
        "Microsoft.AspNetCore.Routing", "Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection",
        "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging",
    ];

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    // A console app gets the base framework, BypassNet and its one dependency; a web app the ASP.NET Core framework
    // (which carries Logging.Abstractions) and BypassNet.AspNetCore on top.
    private static readonly Lazy<ImmutableArray<MetadataReference>> ConsoleReferences = new(() =>
        [.. FrameworkAssemblies(typeof(object)), Reference(typeof(BypassRuntime)), Reference(typeof(ILogger))]);

    private static readonly Lazy<ImmutableArray<MetadataReference>> WebReferencesWithoutKestrelFace = new(() =>
        [.. FrameworkAssemblies(typeof(object)), .. FrameworkAssemblies(typeof(WebApplication)), Reference(typeof(BypassRuntime))]);

    private static readonly Lazy<ImmutableArray<MetadataReference>> WebReferences = new(() =>
        [.. WebReferencesWithoutKestrelFace.Value, Reference(typeof(BypassNetWebHostBuilderExtensions))]);

    /// <summary>Whether a snippet is for a web project (ASP.NET Core, the Kestrel face).</summary>
    public static bool IsWebSnippet(string code) =>
        code.Contains("WebApplication", StringComparison.Ordinal) || code.Contains("IWebHostBuilder", StringComparison.Ordinal)
        || code.Contains("Microsoft.AspNetCore", StringComparison.Ordinal);

    /// <summary>The compiler errors of <paramref name="block"/>, each as "file:line: CSnnnn message" in the Markdown file.</summary>
    public static IReadOnlyList<string> Errors(MarkdownCodeBlock block) => Errors(block, withKestrelFace: true);

    /// <summary>As <see cref="Errors(MarkdownCodeBlock)"/>; a web snippet without BypassNet.AspNetCore when <paramref name="withKestrelFace"/> is false.</summary>
    public static IReadOnlyList<string> Errors(MarkdownCodeBlock block, bool withKestrelFace)
    {
        var (compilation, snippet) = Compile(block, withKestrelFace);
        return compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => Describe(block, snippet, d))
            .ToList();
    }

    /// <summary>
    /// The diagnostics BypassNet's own analyzers (the ones the package ships) report on <paramref name="block"/>, with
    /// the 0-based line in the block each is on.
    /// </summary>
    public static IReadOnlyList<(int Line, string Id)> AnalyzerDiagnostics(MarkdownCodeBlock block)
    {
        var (compilation, snippet) = Compile(block, withKestrelFace: true);
        var diagnostics = compilation.WithAnalyzers(ShippedAnalyzers.All).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        return diagnostics
            .Where(d => d.Location.IsInSource && d.Location.SourceTree == snippet)
            .Select(d => (d.Location.GetLineSpan().StartLinePosition.Line, d.Id))
            .ToList();
    }

    private static string Describe(MarkdownCodeBlock block, SyntaxTree snippet, Diagnostic d)
    {
        var line = d.Location.IsInSource && d.Location.SourceTree == snippet
            ? block.Line + 1 + d.Location.GetLineSpan().StartLinePosition.Line
            : block.Line;
        return $"{block.File}:{line}: {d.Id} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    private static (CSharpCompilation Compilation, SyntaxTree Snippet) Compile(MarkdownCodeBlock block, bool withKestrelFace)
    {
        var web = IsWebSnippet(block.Code);
        var usings = string.Join('\n', (web ? WebUsings : ConsoleUsings).Select(u => $"global using global::{u};"));
        var snippet = CSharpSyntaxTree.ParseText(block.Code, ParseOptions, path: block.File);
        var isProgram = snippet.GetCompilationUnitRoot().Members.OfType<GlobalStatementSyntax>().Any();
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [snippet, CSharpSyntaxTree.ParseText(usings, ParseOptions, path: "ImplicitUsings.g.cs")],
            !web ? ConsoleReferences.Value : withKestrelFace ? WebReferences.Value : WebReferencesWithoutKestrelFace.Value,
            new CSharpCompilationOptions(
                isProgram ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable));
        return (compilation, snippet);
    }

    private static IEnumerable<MetadataReference> FrameworkAssemblies(Type inFramework)
    {
        var directory = Path.GetDirectoryName(inFramework.Assembly.Location)!;
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return trusted
            .Where(path => string.Equals(Path.GetDirectoryName(path), directory, StringComparison.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path));
    }

    private static MetadataReference Reference(Type type) => MetadataReference.CreateFromFile(type.Assembly.Location);
}
