using BypassNet.Analyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.Analyzers.Rules;

/// <summary>
/// BYP003: an owned value acquired here (a call, creation or await yielding an [Owned] type, or an [Owned] out
/// argument) is still live when the body ends on some path, or when the same site acquires again in a later loop
/// iteration. Released means disposed, handed off, returned, stored (field, property, out parameter, array,
/// collection) or captured. Paths that end by throwing are not leak paths, and a handler entered by an exception
/// does not blame values that were live when it was thrown; a TryX out value counts only where TryX returned true.
/// </summary>
internal static class OwnedValueLeakRule
{
    public static readonly DiagnosticDescriptor Descriptor = new(
        DiagnosticIds.OwnedValueLeak,
        title: "Owned value may leak",
        messageFormat: "The '{0}' acquired here is not disposed, handed off, returned or stored on some path",
        RuleDocs.Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "An owned value (for example a pooled buffer) must be disposed, handed off, returned or stored on every path; otherwise it never returns to its pool.",
        helpLinkUri: RuleDocs.HelpLink(DiagnosticIds.OwnedValueLeak));

    /// <summary>True when an object with these flags still needs releasing.</summary>
    public static bool IsLeaked(ObjFlags flags) => (flags & ObjFlags.Live) != 0 && (flags & ObjFlags.Unconfirmed) == 0;

    /// <summary>Reports the acquisition at <paramref name="site"/>.</summary>
    public static void Report(AnalysisRun run, IOperation site)
    {
        var type = site is IArgumentOperation argument ? argument.Parameter?.Type : site.Type;
        run.Report(Descriptor, site.Syntax.GetLocation(), type?.Name ?? "value");
    }
}
