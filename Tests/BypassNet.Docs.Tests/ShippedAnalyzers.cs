using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace BypassNet.Docs.Tests;

/// <summary>Every analyzer of the BypassNet.Analyzers assembly, which the BypassNet package ships.</summary>
internal static class ShippedAnalyzers
{
    private static readonly Lazy<ImmutableArray<DiagnosticAnalyzer>> Instances = new(() =>
        [
            .. typeof(BypassNet.Analyzers.DiagnosticIds).Assembly.GetTypes()
                .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttributes(typeof(DiagnosticAnalyzerAttribute), false).Length > 0)
                .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t, nonPublic: true)!),
        ]);

    /// <summary>One instance of each analyzer.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> All => Instances.Value;

    /// <summary>Every descriptor they support, once per ID, in ID order.</summary>
    public static IReadOnlyList<DiagnosticDescriptor> Descriptors() =>
        All.SelectMany(a => a.SupportedDiagnostics).DistinctBy(d => d.Id).OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
}
