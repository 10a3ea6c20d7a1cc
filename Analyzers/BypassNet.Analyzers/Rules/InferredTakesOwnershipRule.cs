using BypassNet.Analyzers.Flow;
using Microsoft.CodeAnalysis;

namespace BypassNet.Analyzers.Rules;

/// <summary>
/// BYP005 (info): a method of this compilation disposes, hands off, stores or returns an owned parameter on every
/// path that returns normally, so its summary already makes callers treat the parameter as [TakesOwnership].
/// Reported on the parameter, with a code fix that writes the attribute, so the contract is explicit in source
/// (and holds for callers in other compilations, which do not see the summary). Not reported where a summary is
/// not computed: virtual, abstract, override, interface, extern and partial methods, and cycles of two or more methods.
/// </summary>
internal static class InferredTakesOwnershipRule
{
    public static readonly DiagnosticDescriptor Descriptor = new(
        DiagnosticIds.InferredTakesOwnership,
        title: "Parameter is released on every path; mark it [TakesOwnership]",
        messageFormat: "'{1}' disposes, hands off or stores '{0}' on every path, so its callers already treat '{0}' as [TakesOwnership]; add the attribute to make the contract explicit",
        RuleDocs.Category,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "Within one compilation a method that releases an owned parameter on every path behaves at its call sites as if the parameter were marked [TakesOwnership]. Writing the attribute states the contract for readers and for other compilations.",
        helpLinkUri: RuleDocs.HelpLink(DiagnosticIds.InferredTakesOwnership));

    /// <summary>Reports each owned parameter of <paramref name="method"/> whose summary says it is released on every path.</summary>
    public static void Check(IMethodSymbol method, MethodSummaries summaries, Action<Diagnostic> report)
    {
        foreach (var parameter in method.Parameters)
        {
            if (parameter.Locations.Length > 0 && parameter.Locations[0].IsInSource && summaries.InfersTakesOwnership(parameter))
            {
                report(Diagnostic.Create(Descriptor, parameter.Locations[0], parameter.Name, method.Name));
            }
        }
    }
}
