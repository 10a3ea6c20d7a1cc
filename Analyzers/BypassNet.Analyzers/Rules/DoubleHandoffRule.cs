using BypassNet.Analyzers.Flow;
using Microsoft.CodeAnalysis;

namespace BypassNet.Analyzers.Rules;

/// <summary>
/// BYP002: a value is handed off (to a [TakesOwnership] parameter) when on some path it was already handed off or
/// disposed, including by the same call in an earlier iteration of a loop. Reported at the second handoff.
/// </summary>
internal static class DoubleHandoffRule
{
    public static readonly DiagnosticDescriptor Descriptor = new(
        DiagnosticIds.DoubleHandoff,
        title: "Owned value handed off twice",
        messageFormat: "'{0}' is handed off again, but it was already {1} at line {2}",
        RuleDocs.Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "An owned value can be handed off to a [TakesOwnership] parameter once; a second handoff, or a handoff after Dispose(), gives away a buffer the caller no longer owns.",
        helpLinkUri: RuleDocs.HelpLink(DiagnosticIds.DoubleHandoff));

    /// <summary>Reports a handoff of a value whose objects have <paramref name="flags"/> on some path.</summary>
    /// <param name="name">The variable, when <paramref name="site"/> is not its reference (a call of a function that hands off a capture).</param>
    public static void CheckHandoff(AnalysisRun run, ObjFlags flags, IOperation? movedAt, IOperation? disposedAt, IOperation site, string? name = null)
    {
        name ??= Text.Name(site);
        if ((flags & ObjFlags.Moved) != 0)
        {
            var how = ReferenceEquals(movedAt, site) ? "handed off here in an earlier iteration of this loop" : "handed off";
            run.Report(Descriptor, site.Syntax.GetLocation(), name, how, Text.Line(movedAt));
        }
        else if ((flags & ObjFlags.Disposed) != 0)
        {
            run.Report(Descriptor, site.Syntax.GetLocation(), name, "disposed", Text.Line(disposedAt));
        }
    }
}
