using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace BypassNet.CodeFixes.Ownership;

/// <summary>
/// BYP002 fix for the loop case: a value acquired once before a loop and handed off inside it is handed off again on
/// the next iteration; the fix moves the acquisition to the top of the loop body, so each iteration hands off its own
/// value. Offered only when the local is declared (with its initializer) in the block that holds the loop, is not
/// used between its declaration and the loop nor after the loop, is never assigned in the loop, and its initializer
/// reads nothing the loop writes. The other BYP002 shape, two sends of the same bytes, needs a second buffer filled
/// before the first send; the rule page shows that rewrite. Also offered for BYP001 on a read in such a loop, which
/// is where the next iteration's first bad use is reported when it reads the value before handing it off.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DoubleHandoffCodeFixProvider)), Shared]
public sealed class DoubleHandoffCodeFixProvider : CodeFixProvider
{
    private const string Title = "Acquire a fresh value in each iteration";

    // BYP001 too: a value is reported once per path, at its first bad use, which in the next iteration may be a read
    // before the handoff (`buffer.Span[0] = ...; await SendAsync(buffer)`); the same move fixes it.
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("BYP002", "BYP001");

    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var moves = new List<(LocalDeclarationStatementSyntax Declaration, StatementSyntax Loop)>();
        foreach (Diagnostic diagnostic in diagnostics)
        {
            if (Find(root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true), model, context.CancellationToken) is { } move
                && !moves.Any(m => m.Declaration == move.Declaration || m.Loop == move.Loop))
            {
                moves.Add(move);
            }
        }

        return moves.Count == 0 ? document : document.WithSyntaxRoot(Apply(root, moves));
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
            if (Find(root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true), model, context.CancellationToken) is not { } move)
            {
                continue;
            }

            Document document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(Title, _ => Task.FromResult(document.WithSyntaxRoot(Apply(root, new[] { move }))), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static SyntaxNode Apply(SyntaxNode root, IReadOnlyList<(LocalDeclarationStatementSyntax Declaration, StatementSyntax Loop)> moves)
    {
        var remove = new SyntaxAnnotation("BYP002.moved");
        var loops = moves.ToDictionary(m => (SyntaxNode)m.Loop, m => m.Declaration);
        var declarations = new HashSet<SyntaxNode>(moves.Select(m => m.Declaration));
        SyntaxNode updated = root.ReplaceNodes(
            loops.Keys.Concat(declarations),
            (original, rewritten) =>
            {
                if (declarations.Contains(original))
                {
                    return rewritten.WithAdditionalAnnotations(remove);
                }

                StatementSyntax moved = loops[original].WithAdditionalAnnotations(Formatter.Annotation);
                return rewritten switch
                {
                    WhileStatementSyntax { Statement: BlockSyntax body } loop => loop.WithStatement(body.WithStatements(body.Statements.Insert(0, moved))),
                    DoStatementSyntax { Statement: BlockSyntax body } loop => loop.WithStatement(body.WithStatements(body.Statements.Insert(0, moved))),
                    ForStatementSyntax { Statement: BlockSyntax body } loop => loop.WithStatement(body.WithStatements(body.Statements.Insert(0, moved))),
                    ForEachStatementSyntax { Statement: BlockSyntax body } loop => loop.WithStatement(body.WithStatements(body.Statements.Insert(0, moved))),
                    _ => rewritten,
                };
            });
        return updated.RemoveNodes(updated.GetAnnotatedNodes(remove), SyntaxRemoveOptions.KeepNoTrivia)!;
    }

    private static (LocalDeclarationStatementSyntax Declaration, StatementSyntax Loop)? Find(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
    {
        if (model.GetSymbolInfo(node, cancellationToken).Symbol is not ILocalSymbol local
            || local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Initializer: not null } declarator
            || declarator.Parent is not VariableDeclarationSyntax { Variables.Count: 1 }
            || declarator.Parent.Parent is not LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0, Modifiers.Count: 0, Parent: BlockSyntax block } declaration)
        {
            return null;
        }

        // The innermost loop around the second handoff that is a statement of the declaring block, after the declaration.
        StatementSyntax? loop = node.Ancestors().OfType<StatementSyntax>()
            .FirstOrDefault(s => s.Parent == block && s is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or ForEachStatementSyntax);
        if (loop is null || loop.SpanStart < declaration.Span.End
            || LoopBody(loop) is not BlockSyntax || node.Ancestors().TakeWhile(a => a != loop).Any(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
        {
            return null;
        }

        // Uses of the local: all inside the loop body, none assigning it.
        foreach (IdentifierNameSyntax name in block.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (name.Identifier.ValueText != local.Name || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, local))
            {
                continue;
            }

            if (!LoopBody(loop)!.Span.Contains(name.Span)
                || (name.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.AssignmentExpressionSyntax assignment && assignment.Left == name)
                || name.Parent is ArgumentSyntax { RefKindKeyword.RawKind: not 0 })
            {
                return null;
            }
        }

        // The initializer can run inside the loop: it reads nothing the loop writes.
        DataFlowAnalysis? initializer = model.AnalyzeDataFlow(declarator.Initializer!.Value);
        DataFlowAnalysis? body = model.AnalyzeDataFlow(LoopBody(loop)!);
        if (initializer is not { Succeeded: true } || body is not { Succeeded: true }
            || initializer.ReadInside.Any(s => body.WrittenInside.Contains(s, SymbolEqualityComparer.Default)))
        {
            return null;
        }

        return (declaration, loop);
    }

    private static StatementSyntax? LoopBody(StatementSyntax loop) => loop switch
    {
        WhileStatementSyntax w => w.Statement,
        DoStatementSyntax d => d.Statement,
        ForStatementSyntax f => f.Statement,
        ForEachStatementSyntax e => e.Statement,
        _ => null,
    };
}
