using BypassNet.Analyzers.Flow;
using Microsoft.CodeAnalysis;

namespace BypassNet.Analyzers.Rules;

/// <summary>
/// BYP004: a Span, Memory or slice taken from an owned value is read after the value was handed off (or disposed).
/// Reported at the read of the view. The view is tracked as pointing to the same abstract objects as its owner,
/// so the same flow facts decide it as BYP001 does for the owner.
/// </summary>
internal static class ViewOutlivesHandoffRule
{
    public static readonly DiagnosticDescriptor Descriptor = new(
        DiagnosticIds.ViewOutlivesHandoff,
        title: "Span or Memory view used after its owner was handed off",
        messageFormat: "'{0}' is a view of an owned value that was {1} at line {2}",
        RuleDocs.Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A Span, Memory or slice taken from an owned value points into its buffer; after the owner is handed off or disposed the view points into memory the caller no longer owns.",
        helpLinkUri: RuleDocs.HelpLink(DiagnosticIds.ViewOutlivesHandoff));

    /// <summary>Reports a read of a view whose owner objects have <paramref name="flags"/> on some path.</summary>
    public static void CheckRead(AnalysisRun run, ObjFlags flags, IOperation? movedAt, IOperation? disposedAt, IOperation reference, bool nullTest) =>
        UseAfterHandoffRule.CheckRead(run, Descriptor, flags, movedAt, disposedAt, reference, nullTest);
}
