using BypassNet.Analyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.Analyzers.Rules;

/// <summary>
/// BYP003: an owned value acquired here (a call, creation or await yielding an [Owned] type, an [Owned] out
/// argument, or a task of an [Owned] type discarded or kept in a local and never awaited) is still live when the body
/// ends on some path, or when the same site acquires again in a later loop iteration. Released means disposed, handed
/// off, returned, stored (field, property, out parameter, array, collection) or captured. Paths that end by throwing are not leak paths, and a handler entered by an exception
/// does not blame values that were live when it was thrown; a TryX out value counts only where TryX returned true.
/// </summary>
internal static class OwnedValueLeakRule
{
    public static readonly DiagnosticDescriptor Descriptor = new(
        DiagnosticIds.OwnedValueLeak,
        title: "Owned value may leak",
        messageFormat: "The '{0}' acquired here is not disposed, handed off, returned or stored {1}",
        RuleDocs.Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "An owned value (for example a pooled buffer) must be disposed, handed off, returned or stored on every path; otherwise it never returns to its pool.",
        helpLinkUri: RuleDocs.HelpLink(DiagnosticIds.OwnedValueLeak));

    /// <summary>True when an object with these flags still needs releasing.</summary>
    public static bool IsLeaked(ObjFlags flags) => (flags & ObjFlags.Live) != 0 && (flags & ObjFlags.Unconfirmed) == 0;

    /// <summary>The message's ending when the same site acquires again while the previous value is still owned.</summary>
    public const string AcquiredAgain = "before this line acquires again in the next iteration of the loop";

    /// <summary>The message's ending that names where the value was lost: the overwrite, the return, the path's last statement.</summary>
    public static string Where(IOperation? lostAt)
    {
        if (lostAt is null)
        {
            return "on some path";
        }

        var line = Text.Line(lostAt);
        // A pattern overwrites only what it declares; a plain test (`if (sent is false)`) as a path's last step is an exit.
        if (lostAt is ISimpleAssignmentOperation or IArgumentOperation or IDeconstructionAssignmentOperation
            || (lostAt is IIsPatternOperation pattern && pattern.Pattern.DescendantsAndSelf().Any(p => p is IDeclarationPatternOperation { DeclaredSymbol: not null })))
        {
            return "before it is overwritten at line " + line;
        }

        for (var node = lostAt.Syntax; node is not null; node = node.Parent)
        {
            if (node is Microsoft.CodeAnalysis.CSharp.Syntax.ReturnStatementSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.ArrowExpressionClauseSyntax)
            {
                return "on the path that returns at line " + line;
            }

            if (node is Microsoft.CodeAnalysis.CSharp.Syntax.StatementSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.MemberDeclarationSyntax)
            {
                break;
            }
        }

        return "on the path that leaves the body after line " + line;
    }

    /// <summary>Reports the acquisition at <paramref name="site"/>; <paramref name="where"/> ends the message.</summary>
    public static void Report(AnalysisRun run, IOperation site, string where)
    {
        var type = site is IArgumentOperation argument ? argument.Parameter?.Type : site.Type;
        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } task && run.Symbols.IsTaskOfOwned(task))
        {
            // A receive discarded or never awaited: name what its task completes with.
            type = task.TypeArguments[0];
            where = "(nothing awaits its task) " + where;
        }

        if (type is INamedTypeSymbol { IsTupleType: true } tuple)
        {
            // One element of a tuple result: name the first reference-type element (the owned one, in practice).
            type = tuple.TupleElements.FirstOrDefault(e => e.Type.IsReferenceType)?.Type ?? type;
        }

        run.Report(Descriptor, ChosenValue(site.Syntax).GetLocation(), type?.Name ?? "value", where);
    }

    /// <summary>
    /// The whole <c>?:</c>, <c>??</c> or switch expression an acquisition is one branch of: one value is lost, so it is
    /// reported once, where it was chosen, rather than once per branch.
    /// </summary>
    private static SyntaxNode ChosenValue(SyntaxNode node)
    {
        var chosen = node;
        for (var current = node; current.Parent is { } parent; current = parent)
        {
            switch (parent)
            {
                case ConditionalExpressionSyntax conditional when current != conditional.Condition:
                case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.CoalesceExpression):
                case SwitchExpressionSyntax switchExpression when current != switchExpression.GoverningExpression:
                    chosen = parent;
                    continue;
                case SwitchExpressionArmSyntax arm when current == arm.Expression:
                case ParenthesizedExpressionSyntax:
                case PostfixUnaryExpressionSyntax postfix when postfix.IsKind(SyntaxKind.SuppressNullableWarningExpression):
                    continue;
            }

            break;
        }

        return chosen;
    }
}
