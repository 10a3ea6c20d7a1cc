using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BypassNet.Analyzers.Migration;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace BypassNet.CodeFixes.Migration;

/// <summary>
/// BYP101 fix, offered only for the receive-then-forward loop of <see cref="ForwardLoopPattern"/>: the received
/// OwnedBuffer is handed to the send instead of being copied in and out of a byte[]. Every other BYP101 has no fix;
/// docs/rules/BYP101.md shows the rewrite to make by hand.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CopyingSocketCallCodeFixProvider)), Shared]
public sealed class CopyingSocketCallCodeFixProvider : CodeFixProvider
{
    private const string Title = "Forward the received OwnedBuffer instead of copying";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(MigrationDescriptors.CopyingSocketCallId);

    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(FixAllInDocumentAsync);

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
            if (Find(root, model, diagnostic, context.CancellationToken) is not { } pattern)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => RewriteAsync(context.Document, new[] { pattern }, ct), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static async Task<Document?> FixAllInDocumentAsync(FixAllContext context, Document document, ImmutableArray<Diagnostic> diagnostics)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return null;
        }

        // The receive and the send of one loop both carry a BYP101: rewrite each loop once.
        var patterns = new Dictionary<int, ForwardLoopPattern>();
        foreach (Diagnostic diagnostic in diagnostics)
        {
            if (Find(root, model, diagnostic, context.CancellationToken) is { } pattern)
            {
                patterns[pattern.Receive.SpanStart] = pattern;
            }
        }

        return patterns.Count == 0 ? document : await RewriteAsync(document, patterns.Values.ToList(), context.CancellationToken).ConfigureAwait(false);
    }

    private static ForwardLoopPattern? Find(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken) =>
        root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is { } node
        && node.FirstAncestorOrSelf<InvocationExpressionSyntax>() is { } invocation
            ? ForwardLoopPattern.Match(invocation, model, cancellationToken)
            : null;

    private static async Task<Document> RewriteAsync(Document document, IReadOnlyList<ForwardLoopPattern> patterns, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        SemanticModel model = (await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false))!;
        var replacements = new Dictionary<SyntaxNode, SyntaxNode>();
        foreach (ForwardLoopPattern pattern in patterns)
        {
            string name = UniqueName(model, pattern.Receive.SpanStart, "chunk");
            ExpressionSyntax receiveCall = Await(
                Invoke(pattern.Source, "ReceiveAsync", pattern.ReceiveToken),
                pattern.ConfigureAwaitFalse);
            LocalDeclarationStatementSyntax receive = SyntaxFactory.LocalDeclarationStatement(
                    SyntaxFactory.VariableDeclaration(
                        SyntaxFactory.ParseTypeName("global::BypassNet.OwnedBuffer").WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation),
                        SyntaxFactory.SingletonSeparatedList(
                            SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(name))
                                .WithInitializer(SyntaxFactory.EqualsValueClause(receiveCall)))))
                .WithTriviaFrom(pattern.Receive);

            StatementSyntax jump = ForwardLoopPattern.JumpOf(pattern.Check.Statement)!.WithoutTrivia();
            IfStatementSyntax check = SyntaxFactory.IfStatement(
                    SyntaxFactory.BinaryExpression(
                        SyntaxKind.EqualsExpression,
                        SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.IdentifierName(name), SyntaxFactory.IdentifierName("Length")),
                        SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(0))),
                    SyntaxFactory.Block(
                        SyntaxFactory.ExpressionStatement(SyntaxFactory.InvocationExpression(
                            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.IdentifierName(name), SyntaxFactory.IdentifierName("Dispose")))),
                        jump))
                .WithTriviaFrom(pattern.Check)
                .WithAdditionalAnnotations(Formatter.Annotation);

            ExpressionStatementSyntax send = SyntaxFactory.ExpressionStatement(
                    Await(Invoke(pattern.Target, "SendAsync", pattern.SendToken, SyntaxFactory.IdentifierName(name)), pattern.ConfigureAwaitFalse))
                .WithTriviaFrom(pattern.Send);

            replacements[pattern.Receive] = receive;
            replacements[pattern.Check] = check;
            replacements[pattern.Send] = send;
        }

        SyntaxNode newRoot = root.ReplaceNodes(replacements.Keys, (original, _) => replacements[original]);
        Document changed = document.WithSyntaxRoot(newRoot);
        changed = await ImportAdder.AddImportsAsync(changed, Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        changed = await Simplifier.ReduceAsync(changed, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await Formatter.FormatAsync(changed, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static ExpressionSyntax Await(ExpressionSyntax call, bool configureAwaitFalse) =>
        SyntaxFactory.AwaitExpression(configureAwaitFalse
            ? SyntaxFactory.InvocationExpression(
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, call, SyntaxFactory.IdentifierName("ConfigureAwait")),
                SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(SyntaxFactory.LiteralExpression(SyntaxKind.FalseLiteralExpression)))))
            : call);

    private static InvocationExpressionSyntax Invoke(ExpressionSyntax receiver, string method, ExpressionSyntax? token, ExpressionSyntax? first = null)
    {
        var arguments = new List<ArgumentSyntax>();
        if (first is not null)
        {
            arguments.Add(SyntaxFactory.Argument(first));
        }

        if (token is not null)
        {
            arguments.Add(SyntaxFactory.Argument(token.WithoutTrivia()));
        }

        return SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, receiver.WithoutTrivia(), SyntaxFactory.IdentifierName(method)),
            SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(arguments)));
    }

    private static string UniqueName(SemanticModel model, int position, string baseName)
    {
        var taken = new HashSet<string>(model.LookupSymbols(position).Select(s => s.Name));
        foreach (SyntaxNode node in model.SyntaxTree.GetRoot().DescendantNodes())
        {
            if (node is VariableDeclaratorSyntax declarator)
            {
                taken.Add(declarator.Identifier.ValueText);
            }
        }

        string name = baseName;
        for (int i = 1; taken.Contains(name); i++)
        {
            name = baseName + i;
        }

        return name;
    }
}
