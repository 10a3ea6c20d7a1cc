using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace BypassNet.Analyzers.Migration;

/// <summary>
/// BYP100: a TCP <c>System.Net.Sockets.Socket</c> that <c>BypassNet.BypassSocket</c> can replace; BYP102: where and
/// why a group of sockets cannot be replaced.
/// </summary>
/// <remarks>
/// <para>
/// A group analysis over the whole compilation. Sockets cross methods through fields, parameters and results, and the
/// swap must change every declaration a socket flows through or none (a <c>Socket</c> local cannot hold the
/// <c>BypassSocket</c> that <c>listener.AcceptAsync()</c> returns after the swap). So operation blocks record facts
/// (<see cref="SocketFlowCollector"/>), and at compilation end the facts are closed into groups
/// (<see cref="SocketGroups"/>); a group is reported, on each of its creations and declarations, only when all of it
/// can be swapped. Groups that cannot be swapped get a BYP102 on each place that blocks them.
/// </para>
/// <para>
/// Compilation-end diagnostics are computed by builds, <c>dotnet format</c> and full-solution analysis, not live as
/// you type. Every diagnostic carries the locations of all the type names of its group
/// (<see cref="Diagnostic.AdditionalLocations"/>), which the code fix rewrites together.
/// </para>
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SocketMigrationAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(MigrationDescriptors.SocketMigration, MigrationDescriptors.BlockedSocketGroup);

    public override void Initialize(AnalysisContext context)
    {
        // Generated code takes part in the flow (a generated file can pass a socket on), but is never rewritten.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            SocketSymbols? symbols = SocketSymbols.Create(start.Compilation);
            if (symbols is null)
            {
                // Without a reference to BypassNet the swap cannot compile.
                return;
            }

            var groups = new SocketGroups();
            var collector = new SocketFlowCollector(symbols, groups);
            start.RegisterOperationBlockAction(block =>
            {
                foreach (IOperation operation in block.OperationBlocks)
                {
                    collector.Visit(operation, block.OwningSymbol);
                }
            });
            start.RegisterSymbolAction(symbol => collector.VisitType((INamedTypeSymbol)symbol.Symbol), SymbolKind.NamedType);
            start.RegisterCompilationEndAction(end => Report(end, symbols, groups));
        });
    }

    private static void Report(CompilationAnalysisContext context, SocketSymbols symbols, SocketGroups groups)
    {
        var declarations = new Dictionary<ISymbol, SocketDeclaration>(SymbolEqualityComparer.Default);
        var models = new Dictionary<SyntaxTree, SemanticModel>();
        foreach (ISymbol symbol in groups.Symbols())
        {
            if (!symbols.IsSocketish(SocketDeclaration.TypeOf(symbol)))
            {
                continue;
            }

            bool includePublicApi = IncludesPublicApi(context.Options.AnalyzerConfigOptionsProvider, symbol);
            SocketDeclaration declaration = SocketDeclaration.Inspect(symbol, symbols, context.Compilation, models, includePublicApi, context.CancellationToken);
            declarations[symbol] = declaration;
            if (declaration.BlockedBecause is { } reason)
            {
                groups.Block(symbol, reason, symbol.Locations.FirstOrDefault(l => l.IsInSource));
            }

            foreach (SocketGroups.SpanKey shared in declaration.SharedTypes)
            {
                groups.Union(symbol, shared);
            }
        }

        foreach (SocketGroups.Group group in groups.Solve())
        {
            if (!group.CanSwap)
            {
                ReportBlocked(context, group);
                continue;
            }

            List<SocketDeclaration> members = group.Symbols
                .Select(s => declarations.TryGetValue(s, out SocketDeclaration? d) ? d : null)
                .Where(d => d is not null)
                .Select(d => d!)
                .ToList();

            // A file where BYP100 is configured off (.editorconfig severity = none) keeps its sockets, and so keeps the
            // whole group: swapping the rest would not compile.
            if (group.Origins.Select(o => o.Location).Concat(members.SelectMany(m => m.RewriteLocations))
                .Any(l => IsSuppressed(context.Compilation, l, context.CancellationToken)))
            {
                continue;
            }

            List<Location> rewrites = group.Origins.Select(o => o.TypeLocation).Where(l => l is not null).Select(l => l!)
                .Concat(members.SelectMany(m => m.RewriteLocations))
                .Concat(group.Rewrites)
                .Distinct()
                .OrderBy(l => l.SourceTree?.FilePath, System.StringComparer.Ordinal)
                .ThenBy(l => l.SourceSpan.Start)
                .ToList();

            foreach (SocketGroups.Origin origin in group.Origins)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    MigrationDescriptors.SocketMigration, origin.Location, rewrites, $"This TCP {origin.Noun}", Name(symbols.Counterpart(origin.Type)), Name(origin.Type)));
            }

            var reported = new HashSet<Location>(group.Origins.Select(o => o.Location));
            foreach (SocketDeclaration member in members)
            {
                if (member.ReportLocation is { } location && reported.Add(location))
                {
                    INamedTypeSymbol swapped = symbols.SwappedIn(SocketDeclaration.TypeOf(member.Symbol)) ?? symbols.Socket;
                    context.ReportDiagnostic(Diagnostic.Create(
                        MigrationDescriptors.SocketMigration, location, rewrites, member.DisplayName(swapped), Name(symbols.Counterpart(swapped)), Name(swapped)));
                }
            }
        }
    }

    /// <summary>
    /// BYP102 on each site that blocks a group holding a TCP socket created here (or one an API hands out), naming the
    /// blocker. Groups with nothing to migrate (a UDP socket, a Socket parameter nobody creates) stay silent.
    /// </summary>
    private static void ReportBlocked(CompilationAnalysisContext context, SocketGroups.Group group)
    {
        if (group.Origins.Count == 0 && !group.Acquired)
        {
            return;
        }

        SocketGroups.Origin? origin = group.Origins
            .OrderBy(o => o.Location.SourceTree?.FilePath, System.StringComparer.Ordinal)
            .ThenBy(o => o.Location.SourceSpan.Start)
            .FirstOrDefault();
        string what = origin is null ? "this socket" : $"the {origin.Noun} created at {Describe(origin.Location)}";
        var seen = new HashSet<(Location?, string)>();
        foreach (SocketGroups.Blocker block in group.Blocks)
        {
            Location location = block.Location is { IsInSource: true } l ? l : origin?.Location ?? Location.None;
            if (location == Location.None || !seen.Add((location, block.Reason)))
            {
                continue;
            }

            string subject = origin is not null && location.SourceTree == origin.Location.SourceTree && location.SourceSpan == origin.Location.SourceSpan
                ? $"this {origin.Noun}"
                : what;
            context.ReportDiagnostic(Diagnostic.Create(MigrationDescriptors.BlockedSocketGroup, location, block.Reason, subject));
        }
    }

    // The type itself, without the '?' of a nullable-annotated declaration.
    private static string Name(INamedTypeSymbol? type) => type?.OriginalDefinition.ToDisplayString() ?? string.Empty;

    private static string Describe(Location location)
    {
        FileLinePositionSpan span = location.GetLineSpan();
        return $"{System.IO.Path.GetFileName(span.Path)}:{span.StartLinePosition.Line + 1}";
    }

    /// <summary>
    /// <c>dotnet_code_quality.BYP100.api_surface = all</c> (in .editorconfig, for the file that declares the symbol):
    /// migrate a library's public API too, when its callers are the solution's own projects.
    /// </summary>
    private static bool IncludesPublicApi(AnalyzerConfigOptionsProvider provider, ISymbol symbol) =>
        symbol.Locations.FirstOrDefault(l => l.IsInSource)?.SourceTree is { } tree
        && provider.GetOptions(tree).TryGetValue(ApiSurfaceOption, out string? value)
        && string.Equals(value.Trim(), "all", System.StringComparison.OrdinalIgnoreCase);

    /// <summary>The roslyn-analyzers convention for which API a rule covers.</summary>
    internal const string ApiSurfaceOption = "dotnet_code_quality.BYP100.api_surface";

    private static bool IsSuppressed(Compilation compilation, Location location, System.Threading.CancellationToken cancellationToken) =>
        location.SourceTree is { } tree
        && compilation.Options.SyntaxTreeOptionsProvider is { } options
        && options.TryGetDiagnosticValue(tree, MigrationDescriptors.SocketMigrationId, cancellationToken, out ReportDiagnostic report)
        && report == ReportDiagnostic.Suppress;
}
