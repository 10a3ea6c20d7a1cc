using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BypassNet.CodeFixes.Ownership;

/// <summary>
/// BYP005 fix: write <c>[TakesOwnership]</c> on the parameter the method already releases on every path, adding
/// <c>using BypassNet;</c> when the file does not import it, so the inferred contract becomes the declared one.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddTakesOwnershipCodeFixProvider)), Shared]
public sealed class AddTakesOwnershipCodeFixProvider : CodeFixProvider
{
    private const string Title = "Mark the parameter [TakesOwnership]";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("BYP005");

    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return null;
        }

        var parameters = diagnostics.Select(d => Find(root, d)).Where(p => p is not null).Select(p => p!).Distinct().ToList();
        return parameters.Count == 0 ? document : document.WithSyntaxRoot(AddImport(root.ReplaceNodes(parameters, (original, _) => Mark(original))));
    });

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (Find(root, diagnostic) is not { } parameter)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    Title,
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(AddImport(root.ReplaceNode(parameter, Mark(parameter))))),
                    equivalenceKey: Title),
                diagnostic);
        }
    }

    private static ParameterSyntax? Find(SyntaxNode root, Diagnostic diagnostic) =>
        root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<ParameterSyntax>().FirstOrDefault();

    private static ParameterSyntax Mark(ParameterSyntax parameter)
    {
        var list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.IdentifierName("TakesOwnership"))));
        if (parameter.AttributeLists.Count == 0)
        {
            // Keep the parameter's leading trivia in front of the attribute.
            var leading = parameter.GetLeadingTrivia();
            return parameter.WithoutLeadingTrivia()
                .AddAttributeLists(list.WithLeadingTrivia(leading).WithTrailingTrivia(SyntaxFactory.Space));
        }

        return parameter.AddAttributeLists(list.WithTrailingTrivia(SyntaxFactory.Space));
    }

    // The attribute lives in namespace BypassNet; import it unless the file already does or is inside it.
    private static SyntaxNode AddImport(SyntaxNode root)
    {
        if (root is not CompilationUnitSyntax unit
            || unit.Usings.Any(u => u.Name?.ToString() == "BypassNet" && u.Alias is null && u.StaticKeyword.IsKind(SyntaxKind.None))
            || unit.DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>().Any(n => n.Name.ToString() == "BypassNet" || n.Name.ToString().StartsWith("BypassNet.", System.StringComparison.Ordinal)))
        {
            return root;
        }

        var directive = SyntaxFactory.UsingDirective(SyntaxFactory.IdentifierName("BypassNet"))
            .WithTrailingTrivia(SyntaxFactory.ElasticCarriageReturnLineFeed);
        return unit.AddUsings(directive);
    }
}
