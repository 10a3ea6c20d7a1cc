using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BypassNet.CodeFixes.Ownership;

/// <summary>
/// BYP001/BYP004 fix: move the statement that uses the value (or its Span/Memory view) to just before the statement
/// that handed it off or disposed it. Offered only when that statement is the one right before the use, in the same
/// block, and the two are independent: neither reads what the other writes, they write nothing in common, and neither
/// leaves the block (return, break, throw...). Copying the bytes out before the handoff, the other way to fix these
/// rules, changes what the code allocates and is left to the developer.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseAfterHandoffCodeFixProvider)), Shared]
public sealed class UseAfterHandoffCodeFixProvider : CodeFixProvider
{
    private const string Title = "Move the use before the handoff";
    private static readonly Regex s_line = new(@"at line (\d+)\s*$", RegexOptions.CultureInvariant);

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("BYP001", "BYP004");

    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        // Each move swaps two adjacent statements; moves that share a statement would interact, so only the first is kept.
        var replacements = new Dictionary<SyntaxNode, SyntaxNode>();
        foreach (Diagnostic diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
        {
            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (Find(node, model, diagnostic, context.CancellationToken) is { } move
                && !replacements.ContainsKey(move.Handoff) && !replacements.ContainsKey(move.Use))
            {
                replacements[move.Handoff] = move.Use;
                replacements[move.Use] = move.Handoff;
            }
        }

        return replacements.Count == 0 ? document : document.WithSyntaxRoot(root.ReplaceNodes(replacements.Keys, (original, _) => replacements[original]));
    });

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (Find(node, model, diagnostic, context.CancellationToken) is not { } move)
            {
                continue;
            }

            Document document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(Title, _ => Task.FromResult(document.WithSyntaxRoot(Swap(root, move.Handoff, move.Use))), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static SyntaxNode Swap(SyntaxNode root, StatementSyntax handoff, StatementSyntax use) =>
        root.ReplaceNodes(new[] { handoff, use }, (original, _) => original == handoff ? use : handoff);

    private static (StatementSyntax Handoff, StatementSyntax Use)? Find(SyntaxNode node, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        Match match = s_line.Match(diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        if (!match.Success || !int.TryParse(match.Groups[1].Value, out int handoffLine))
        {
            return null;
        }

        if (node.FirstAncestorOrSelf<StatementSyntax>() is not { Parent: BlockSyntax block } use)
        {
            return null;
        }

        int index = block.Statements.IndexOf(use);
        if (index < 1 || block.Statements[index - 1] is not { } handoff)
        {
            return null;
        }

        // The statement right before is the one the diagnostic names (lines are 1-based in the message).
        FileLinePositionSpan lines = handoff.GetLocation().GetLineSpan();
        if (handoffLine - 1 < lines.StartLinePosition.Line || handoffLine - 1 > lines.EndLinePosition.Line)
        {
            return null;
        }

        if (handoff is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 } || use is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 }
            || handoff is LocalFunctionStatementSyntax || use is LocalFunctionStatementSyntax)
        {
            return null;
        }

        ControlFlowAnalysis? handoffFlow = model.AnalyzeControlFlow(handoff);
        ControlFlowAnalysis? useFlow = model.AnalyzeControlFlow(use);
        if (handoffFlow is not { Succeeded: true, EndPointIsReachable: true } || !handoffFlow.ExitPoints.IsEmpty
            || useFlow is not { Succeeded: true, EndPointIsReachable: true } || !useFlow.ExitPoints.IsEmpty)
        {
            return null;
        }

        DataFlowAnalysis? handoffData = model.AnalyzeDataFlow(handoff);
        DataFlowAnalysis? useData = model.AnalyzeDataFlow(use);
        if (handoffData is not { Succeeded: true } || useData is not { Succeeded: true })
        {
            return null;
        }

        if (Intersects(handoffData.WrittenInside, useData.ReadInside)
            || Intersects(useData.WrittenInside, handoffData.ReadInside)
            || Intersects(useData.WrittenInside, handoffData.WrittenInside)
            || Intersects(handoffData.VariablesDeclared, useData.ReadInside))
        {
            return null;
        }

        return (handoff, use);
    }

    private static bool Intersects(ImmutableArray<ISymbol> a, ImmutableArray<ISymbol> b) =>
        a.Any(x => b.Contains(x, SymbolEqualityComparer.Default));
}
