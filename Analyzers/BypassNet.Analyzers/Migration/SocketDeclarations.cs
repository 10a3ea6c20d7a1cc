using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BypassNet.Analyzers.Migration;

/// <summary>
/// Where a Socket-typed symbol is declared, which type syntax the swap rewrites there, and whether the declaration
/// can be changed at all (not an override, not a delegate or interface contract, not in generated code, not part of a
/// library's public API).
/// </summary>
internal sealed class SocketDeclaration
{
    private SocketDeclaration(ISymbol symbol)
    {
        Symbol = symbol;
    }

    public ISymbol Symbol { get; }

    /// <summary>Why the declaration cannot change; null when it can.</summary>
    public string? BlockedBecause { get; private set; }

    /// <summary>The type syntax nodes naming Socket that the swap rewrites (none for <c>var</c>).</summary>
    public List<Location> RewriteLocations { get; } = new();

    /// <summary>The whole declared type, when several declarators share it (<c>Socket a, b;</c>).</summary>
    public List<SocketGroups.SpanKey> SharedTypes { get; } = new();

    /// <summary>Where BYP100 is reported for this symbol.</summary>
    public Location? ReportLocation { get; private set; }

    /// <summary>How the message names the symbol, whose type is or carries <paramref name="swapped"/> (the type the message says it replaces).</summary>
    public string DisplayName(INamedTypeSymbol swapped) => Symbol switch
    {
        IMethodSymbol => $"The result of '{Symbol.Name}'",
        _ when SymbolEqualityComparer.Default.Equals(TypeOf(Symbol), swapped) => $"'{Symbol.Name}'",
        _ => $"The {swapped.Name} in the type of '{Symbol.Name}'",
    };

    /// <summary>The declared type of a local, parameter, field or property, or a method's result type.</summary>
    public static ITypeSymbol? TypeOf(ISymbol symbol) => symbol switch
    {
        ILocalSymbol local => local.Type,
        IParameterSymbol parameter => parameter.Type,
        IFieldSymbol field => field.Type,
        IPropertySymbol property => property.Type,
        IMethodSymbol method => method.ReturnType,
        _ => null,
    };

    /// <param name="models">One semantic model per tree, shared by all declarations (creating one per lookup is costly).</param>
    /// <param name="includePublicApi">Migrate it even when it is part of a library's public API (the api_surface option).</param>
    public static SocketDeclaration Inspect(ISymbol symbol, SocketSymbols symbols, Compilation compilation, Dictionary<SyntaxTree, SemanticModel> models, bool includePublicApi, CancellationToken cancellationToken)
    {
        var declaration = new SocketDeclaration(symbol);
        declaration.Inspect(symbols, compilation, models, includePublicApi, cancellationToken);
        return declaration;
    }

    private void Inspect(SocketSymbols symbols, Compilation compilation, Dictionary<SyntaxTree, SemanticModel> models, bool includePublicApi, CancellationToken cancellationToken)
    {
        var references = Symbol.DeclaringSyntaxReferences;
        if (references.Length == 0)
        {
            BlockedBecause = $"{Symbol.ToDisplayString()} is not declared in source";
            return;
        }

        if (Symbol.IsImplicitlyDeclared)
        {
            BlockedBecause = $"{Symbol.ToDisplayString()} is declared implicitly";
            return;
        }

        if (!includePublicApi && IsExternallyVisibleLibraryApi(compilation))
        {
            BlockedBecause = $"{Symbol.ToDisplayString()} is part of the public API of this library ({SocketMigrationAnalyzer.ApiSurfaceOption} = all migrates it)";
            return;
        }

        if (IsContract())
        {
            BlockedBecause = $"{Symbol.ToDisplayString()} is extern";
            return;
        }

        foreach (SyntaxReference reference in references)
        {
            SyntaxNode node = reference.GetSyntax(cancellationToken);
            if (IsGenerated(node.SyntaxTree))
            {
                BlockedBecause = $"{Symbol.ToDisplayString()} is declared in generated code";
                return;
            }

            TypeSyntax? type = DeclaredType(node, out bool shared);
            if (type is null)
            {
                BlockedBecause = $"{Symbol.ToDisplayString()} is declared in a form the swap does not rewrite ({node.Kind()})";
                return;
            }

            if (shared)
            {
                SharedTypes.Add(new SocketGroups.SpanKey(type.SyntaxTree, type.Span));
            }

            if (ReferenceEquals(type, Implicit))
            {
                // Typed by its delegate: nothing to rewrite, nothing to report.
                Silent = true;
                continue;
            }

            if (type.IsVar)
            {
                ReportLocation ??= Symbol.Locations.FirstOrDefault(l => l.IsInSource);
                continue;
            }

            if (!models.TryGetValue(type.SyntaxTree, out SemanticModel? model))
            {
                model = compilation.GetSemanticModel(type.SyntaxTree);
                models.Add(type.SyntaxTree, model);
            }

            List<Location> names = SocketNames.In(type, symbols, model, cancellationToken);
            RewriteLocations.AddRange(names);
            if (names.Count == 0)
            {
                BlockedBecause = $"the declared type of {Symbol.ToDisplayString()} names Socket in a way the swap does not rewrite";
                return;
            }

            ReportLocation ??= type.GetLocation();
        }

        if (!Silent)
        {
            ReportLocation ??= Symbol.Locations.FirstOrDefault(l => l.IsInSource);
        }
    }

    /// <summary>True for a lambda or lambda parameter typed by its delegate: swapped with it, never reported.</summary>
    private bool Silent { get; set; }

    /// <summary>A type written with the declaration that the swap must not touch: <c>var</c>, an untyped lambda parameter.</summary>
    private static readonly TypeSyntax Implicit = SyntaxFactory.IdentifierName("var");

    private TypeSyntax? DeclaredType(SyntaxNode node, out bool shared)
    {
        shared = false;
        switch (Symbol, node)
        {
            case (ILocalSymbol, VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax declaration })
                when declaration.Parent is LocalDeclarationStatementSyntax or UsingStatementSyntax or ForStatementSyntax:
                shared = declaration.Variables.Count > 1;
                return declaration.Type;
            case (ILocalSymbol, ForEachStatementSyntax loop):
                return loop.Type;
            case (ILocalSymbol, SingleVariableDesignationSyntax { Parent: DeclarationPatternSyntax pattern }):
                // ar.AsyncState is Socket s: the collector lets only reads of AsyncState through (others block).
                return pattern.Type;
            case (ILocalSymbol, SingleVariableDesignationSyntax designation):
                // out var s, out Socket s, foreach (var (s, state) in map), foreach ((Socket s, int n) in pairs)
                for (SyntaxNode? current = designation.Parent; current is not null; current = current.Parent)
                {
                    if (current is DeclarationExpressionSyntax declarationExpression)
                    {
                        return declarationExpression.Type;
                    }

                    if (current is not ParenthesizedVariableDesignationSyntax)
                    {
                        break;
                    }
                }

                return null;
            case (IFieldSymbol { IsConst: false }, VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Parent: FieldDeclarationSyntax } declaration }):
                shared = declaration.Variables.Count > 1;
                return declaration.Type;
            case (IParameterSymbol { RefKind: RefKind.None, IsParams: false } parameter, ParameterSyntax syntax)
                when parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction }:
                return syntax.Type ?? Implicit;
            case (IParameterSymbol { IsParams: false } parameter, ParameterSyntax { Type: { } type })
                when parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Ordinary or MethodKind.LocalFunction or MethodKind.Constructor or MethodKind.ExplicitInterfaceImplementation }:
                // A record's positional parameter shares its type with the property it declares.
                shared = node.Parent?.Parent is RecordDeclarationSyntax;
                return type;
            case (IPropertySymbol { IsIndexer: false }, PropertyDeclarationSyntax property):
                return property.Type;
            case (IPropertySymbol { IsIndexer: false }, ParameterSyntax { Type: { } type, Parent.Parent: RecordDeclarationSyntax }):
                shared = true;
                return type;
            case (IMethodSymbol { MethodKind: MethodKind.Ordinary or MethodKind.ExplicitInterfaceImplementation }, MethodDeclarationSyntax method):
                return method.ReturnType;
            case (IMethodSymbol { MethodKind: MethodKind.LocalFunction }, LocalFunctionStatementSyntax localFunction):
                return localFunction.ReturnType;
            case (IMethodSymbol { MethodKind: MethodKind.AnonymousFunction }, ParenthesizedLambdaExpressionSyntax { ReturnType: { } returnType }):
                return returnType;
            case (IMethodSymbol { MethodKind: MethodKind.AnonymousFunction }, AnonymousFunctionExpressionSyntax):
                return Implicit;
            default:
                return null;
        }
    }

    private bool IsContract()
    {
        // Overrides and interface implementations are swapped with the members they override or implement (the
        // collector pairs them); only extern declarations have a signature fixed outside the program.
        ISymbol member = Symbol is IParameterSymbol { ContainingSymbol: { } containing } ? containing : Symbol;
        return member.IsExtern;
    }

    private bool IsExternallyVisibleLibraryApi(Compilation compilation)
    {
        if (compilation.Options.OutputKind is OutputKind.ConsoleApplication or OutputKind.WindowsApplication or OutputKind.WindowsRuntimeApplication)
        {
            return false;
        }

        ISymbol? current = Symbol is IParameterSymbol parameter ? parameter.ContainingSymbol : Symbol;
        if (current is ILocalSymbol || current is IMethodSymbol { MethodKind: MethodKind.LocalFunction })
        {
            return false;
        }

        for (; current is not null && current is not INamespaceSymbol; current = current.ContainingSymbol)
        {
            if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsGenerated(SyntaxTree tree)
    {
        string path = tree.FilePath ?? string.Empty;
        return path.EndsWith(".g.cs", System.StringComparison.OrdinalIgnoreCase)
            || path.EndsWith(".generated.cs", System.StringComparison.OrdinalIgnoreCase)
            || path.EndsWith(".designer.cs", System.StringComparison.OrdinalIgnoreCase);
    }
}
