using BypassNet.Analyzers.Flow;
using Microsoft.CodeAnalysis;

namespace BypassNet.Analyzers.Rules;

/// <summary>
/// BYP001: a value is read after its ownership was handed off (or it was disposed) on some path to the read.
/// Reported at the read. An explicit Dispose() after a handoff is a read; Dispose() after Dispose() is idempotent
/// and the implicit Dispose of a using is a no-op after a handoff, so neither is reported; nor is a null test of a
/// disposed value (it is how `x?.Dispose()` guards), nor nameof.
/// </summary>
internal static class UseAfterHandoffRule
{
    public static readonly DiagnosticDescriptor Descriptor = new(
        DiagnosticIds.UseAfterHandoff,
        title: "Owned value used after its ownership was handed off",
        messageFormat: "'{0}' is used after it was {1} at line {2}",
        RuleDocs.Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "After an owned value is passed to a [TakesOwnership] parameter or disposed, the caller no longer owns it; reading it again is a use-after-free of the underlying buffer.",
        helpLinkUri: RuleDocs.HelpLink(DiagnosticIds.UseAfterHandoff));

    /// <summary>Reports a read of a value whose objects have <paramref name="flags"/> on some path.</summary>
    public static void CheckRead(AnalysisRun run, DiagnosticDescriptor descriptor, ObjFlags flags, IOperation? movedAt, IOperation? disposedAt, IOperation reference, bool nullTest)
    {
        if ((flags & ObjFlags.Moved) != 0)
        {
            run.Report(descriptor, reference.Syntax.GetLocation(), Text.Name(reference), "handed off", Text.Line(movedAt));
        }
        else if ((flags & ObjFlags.Disposed) != 0 && !nullTest)
        {
            run.Report(descriptor, reference.Syntax.GetLocation(), Text.Name(reference), "disposed", Text.Line(disposedAt));
        }
    }

    /// <summary>Reports an explicit Dispose() of a value that may have been handed off.</summary>
    public static void CheckDispose(AnalysisRun run, ObjFlags flags, IOperation? movedAt, IOperation reference)
    {
        if ((flags & ObjFlags.Moved) != 0)
        {
            run.Report(Descriptor, reference.Syntax.GetLocation(), Text.Name(reference), "handed off", Text.Line(movedAt));
        }
    }
}
