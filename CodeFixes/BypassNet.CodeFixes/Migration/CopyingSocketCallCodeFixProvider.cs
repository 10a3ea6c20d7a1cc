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
                patterns[pattern.SpanStart] = pattern;
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
        DocumentEditor editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        SemanticModel model = editor.SemanticModel;
        foreach (ForwardLoopPattern pattern in patterns)
        {
            string name = UniqueName(model, pattern.Loop.SpanStart, "chunk");
            editor.ReplaceNode(pattern.Loop, Rewrite(pattern, name));
            if (pattern.BufferDeclaration is { } buffer)
            {
                editor.RemoveNode(buffer, SyntaxRemoveOptions.KeepNoTrivia);
            }

            if (pattern.CountDeclaration is { } count)
            {
                editor.RemoveNode(count, SyntaxRemoveOptions.KeepNoTrivia);
            }
        }

        Document changed = editor.GetChangedDocument();
        changed = await ImportAdder.AddImportsAsync(changed, Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        changed = await Simplifier.ReduceAsync(changed, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await Formatter.FormatAsync(changed, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static StatementSyntax Rewrite(ForwardLoopPattern pattern, string name)
    {
        SyntaxList<StatementSyntax> statements = pattern.Body.Statements;
        IdentifierNameSyntax chunk = SyntaxFactory.IdentifierName(name);
        var body = new List<StatementSyntax>();
        int betweenStart;
        StatementSyntax? receiveStatement = pattern.IsWhileCondition ? null : statements[pattern.ReceiveIndex];
        if (pattern.IsWhileCondition)
        {
            betweenStart = 0;
        }
        else
        {
            body.AddRange(statements.Take(pattern.ReceiveIndex));
            betweenStart = pattern.ReceiveIndex + 2;
        }

        // OwnedBuffer chunk = await source.ReceiveAsync(ct);
        ExpressionSyntax receiveCall = Await(Invoke(pattern.Source, "ReceiveAsync", pattern.ReceiveToken), pattern.ConfigureAwaitFalse);
        LocalDeclarationStatementSyntax receive = SyntaxFactory.LocalDeclarationStatement(
            SyntaxFactory.VariableDeclaration(
                SyntaxFactory.ParseTypeName("global::BypassNet.OwnedBuffer").WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation),
                SyntaxFactory.SingletonSeparatedList(
                    SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(name)).WithInitializer(SyntaxFactory.EqualsValueClause(receiveCall)))));
        body.Add(receiveStatement is null ? receive.WithAdditionalAnnotations(Formatter.Annotation) : receive.WithTriviaFrom(receiveStatement));

        // if (chunk.Length == 0) { chunk.Dispose(); break; }   (end of stream: the empty buffer goes back too)
        ExpressionSyntax length = SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, chunk, SyntaxFactory.IdentifierName("Length"));
        IfStatementSyntax check = SyntaxFactory.IfStatement(
                SyntaxFactory.BinaryExpression(SyntaxKind.EqualsExpression, length, SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(0))),
                SyntaxFactory.Block(DisposeChunk(chunk), pattern.Jump.WithoutTrivia()))
            .WithAdditionalAnnotations(Formatter.Annotation);
        body.Add(receiveStatement is null ? check : check.WithTriviaFrom(statements[pattern.ReceiveIndex + 1]));

        if (pattern.KeepCount)
        {
            // The count is read elsewhere: it is the chunk's length.
            body.Add((pattern.IsWhileCondition
                    ? (StatementSyntax)SyntaxFactory.ExpressionStatement(SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, SyntaxFactory.IdentifierName(pattern.Count.Name), length))
                    : SyntaxFactory.LocalDeclarationStatement(SyntaxFactory.VariableDeclaration(
                        SyntaxFactory.PredefinedType(SyntaxFactory.Token(SyntaxKind.IntKeyword)),
                        SyntaxFactory.SingletonSeparatedList(SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(pattern.Count.Name))
                            .WithInitializer(SyntaxFactory.EqualsValueClause(length))))))
                .WithAdditionalAnnotations(Formatter.Annotation));
        }

        // What ran between receive and send still runs there; if it throws, the chunk goes back before the exception leaves.
        List<StatementSyntax> between = statements.Skip(betweenStart).Take(pattern.SendIndex - betweenStart).ToList();
        if (between.Count > 0)
        {
            body.Add(SyntaxFactory.TryStatement(
                    SyntaxFactory.Block(between),
                    SyntaxFactory.SingletonList(SyntaxFactory.CatchClause().WithBlock(SyntaxFactory.Block(DisposeChunk(chunk), SyntaxFactory.ThrowStatement()))),
                    null)
                .WithAdditionalAnnotations(Formatter.Annotation));
        }

        // await target.SendAsync(chunk, ct);   ownership moves to the send, even if it throws
        StatementSyntax oldSend = statements[pattern.SendIndex];
        body.Add(SyntaxFactory.ExpressionStatement(
                Await(Invoke(pattern.Target, "SendAsync", pattern.SendToken, chunk), pattern.ConfigureAwaitFalse))
            .WithTriviaFrom(oldSend));
        body.AddRange(statements.Skip(pattern.SendIndex + 1));

        BlockSyntax block = pattern.Body.WithStatements(SyntaxFactory.List(body));
        if (pattern.IsWhileCondition)
        {
            var loop = (WhileStatementSyntax)pattern.Loop;
            return loop.WithCondition(SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression)).WithStatement(block);
        }

        return pattern.Loop.ReplaceNode(pattern.Body, block);
    }

    private static ExpressionStatementSyntax DisposeChunk(IdentifierNameSyntax chunk) =>
        SyntaxFactory.ExpressionStatement(SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, chunk, SyntaxFactory.IdentifierName("Dispose"))));

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
