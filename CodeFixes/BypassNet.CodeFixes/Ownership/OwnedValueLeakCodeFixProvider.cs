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
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.CodeFixes.Ownership;

/// <summary>
/// BYP003 fix: make the local that holds the acquired value a <c>using</c> local, so it is disposed on every path
/// (a no-op after a handoff). Offered only where that compiles and cannot dispose a value that escapes: the
/// acquisition initializes a single local declared in a block, and the local is only read through its members,
/// handed to [TakesOwnership] parameters, disposed or null-tested — never reassigned, returned, stored, captured, or
/// passed to a parameter that keeps it.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(OwnedValueLeakCodeFixProvider)), Shared]
public sealed class OwnedValueLeakCodeFixProvider : CodeFixProvider
{
    private const string Title = "Dispose with 'using'";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("BYP003");

    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return null;
        }

        var declarations = diagnostics
            .Select(d => Find(root, model, d.Location, context.CancellationToken))
            .Where(d => d is not null)
            .Select(d => d!)
            .Distinct()
            .ToList();
        return declarations.Count == 0 ? document : document.WithSyntaxRoot(root.ReplaceNodes(declarations, (original, _) => AddUsing(original)));
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
            if (Find(root, model, diagnostic.Location, context.CancellationToken) is not { } declaration)
            {
                continue;
            }

            Document document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(
                    Title,
                    _ => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(declaration, AddUsing(declaration)))),
                    equivalenceKey: Title),
                diagnostic);
        }
    }

    private static LocalDeclarationStatementSyntax AddUsing(LocalDeclarationStatementSyntax declaration)
    {
        SyntaxTriviaList leading = declaration.GetLeadingTrivia();
        return declaration
            .WithoutLeadingTrivia()
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
            .WithLeadingTrivia(leading);
    }

    /// <summary>The declaration to turn into a using declaration, when that is safe.</summary>
    private static LocalDeclarationStatementSyntax? Find(SyntaxNode root, SemanticModel model, Location location, CancellationToken cancellationToken)
    {
        if (root.FindNode(location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax acquisition)
        {
            return null;
        }

        // The acquisition is the whole initializer (possibly parenthesized).
        SyntaxNode current = acquisition;
        while (current.Parent is ParenthesizedExpressionSyntax)
        {
            current = current.Parent;
        }

        if (current.Parent is not EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
            || declarator.Parent is not VariableDeclarationSyntax { Variables.Count: 1 } variables
            || variables.Parent is not LocalDeclarationStatementSyntax declaration
            || declaration.UsingKeyword != default
            || declaration.Modifiers.Count != 0
            || declaration.Parent is not BlockSyntax
            || model.GetDeclaredSymbol(declarator, cancellationToken) is not ILocalSymbol local
            || !IsDisposable(local.Type, model.Compilation))
        {
            return null;
        }

        SyntaxNode? body = declaration.Parent.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax
            or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax or CompilationUnitSyntax);
        if (body is null)
        {
            return null;
        }

        foreach (IdentifierNameSyntax name in body.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (name.Identifier.ValueText != local.Name
                || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, local))
            {
                continue;
            }

            if (!IsSafeUse(name, local, model, cancellationToken))
            {
                return null;
            }
        }

        return declaration;
    }

    /// <summary>A use after which an implicit Dispose at the end of the scope is still right.</summary>
    private static bool IsSafeUse(IdentifierNameSyntax name, ILocalSymbol local, SemanticModel model, CancellationToken cancellationToken)
    {
        // Captured by a lambda or local function: the closure may outlive the scope.
        if (name.Ancestors().Any(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
            && !(local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is { } declaredAt
                 && declaredAt.Ancestors().FirstOrDefault(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
                    == name.Ancestors().FirstOrDefault(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)))
        {
            return false;
        }

        IOperation? operation = model.GetOperation(name, cancellationToken);
        if (operation is not ILocalReferenceOperation)
        {
            return false;
        }

        IOperation? parent = operation.Parent;
        while (parent is IConversionOperation { IsImplicit: true })
        {
            parent = parent.Parent;
        }

        switch (parent)
        {
            case IPropertyReferenceOperation property when property.Instance is not null && IsUnder(operation, property.Instance):
            case IInvocationOperation invocation when invocation.Instance is not null && IsUnder(operation, invocation.Instance):
            case IBinaryOperation:
            case INameOfOperation:
            case IConditionalAccessOperation access when IsUnder(operation, access.Operation):
                return true;
            case IArgumentOperation argument:
                return argument.Parameter is { RefKind: RefKind.None } parameter
                    && parameter.GetAttributes().Any(a => a.AttributeClass?.Name == "TakesOwnershipAttribute");
            default:
                // Assigned, returned, stored, passed on to keep, tupled, awaited, thrown...: not safe to dispose at scope end.
                return false;
        }
    }

    private static bool IsUnder(IOperation operation, IOperation ancestor)
    {
        for (IOperation? current = operation; current is not null; current = current.Parent)
        {
            if (current == ancestor)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsDisposable(ITypeSymbol type, Compilation compilation)
    {
        INamedTypeSymbol disposable = compilation.GetSpecialType(SpecialType.System_IDisposable);
        return type.AllInterfaces.Contains(disposable, SymbolEqualityComparer.Default) || SymbolEqualityComparer.Default.Equals(type, disposable);
    }
}
