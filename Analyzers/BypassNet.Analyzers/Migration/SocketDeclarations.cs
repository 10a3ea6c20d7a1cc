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

    /// <summary>How the message names the symbol.</summary>
    public string DisplayName => Symbol is IMethodSymbol ? $"The result of '{Symbol.Name}'" : $"'{Symbol.Name}'";

    public static SocketDeclaration Inspect(ISymbol symbol, SocketSymbols symbols, Compilation compilation, CancellationToken cancellationToken)
    {
        var declaration = new SocketDeclaration(symbol);
        declaration.Inspect(symbols, compilation, cancellationToken);
        return declaration;
    }

    private void Inspect(SocketSymbols symbols, Compilation compilation, CancellationToken cancellationToken)
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

        if (IsExternallyVisibleLibraryApi(compilation))
        {
            BlockedBecause = $"{Symbol.ToDisplayString()} is part of the public API of this library";
            return;
        }

        if (IsContract())
        {
            BlockedBecause = $"{Symbol.ToDisplayString()} is virtual, abstract, an override or an interface implementation";
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

            if (type.IsVar)
            {
                ReportLocation ??= Symbol.Locations.FirstOrDefault(l => l.IsInSource);
                continue;
            }

            SemanticModel model = compilation.GetSemanticModel(type.SyntaxTree);
            int before = RewriteLocations.Count;
            CollectSocketNames(type, model, symbols, cancellationToken);
            if (RewriteLocations.Count == before)
            {
                BlockedBecause = $"the declared type of {Symbol.ToDisplayString()} names Socket in a way the swap does not rewrite";
                return;
            }

            ReportLocation ??= type.GetLocation();
        }

        ReportLocation ??= Symbol.Locations.FirstOrDefault(l => l.IsInSource);
    }

    /// <summary>The outermost type syntax nodes inside <paramref name="type"/> that bind to Socket.</summary>
    private void CollectSocketNames(TypeSyntax type, SemanticModel model, SocketSymbols symbols, CancellationToken cancellationToken)
    {
        if (type is NullableTypeSyntax nullable)
        {
            // Socket? becomes BypassSocket?: only the name changes.
            CollectSocketNames(nullable.ElementType, model, symbols, cancellationToken);
            return;
        }

        if (symbols.IsSocket(model.GetTypeInfo(type, cancellationToken).Type) || symbols.IsSocket(model.GetSymbolInfo(type, cancellationToken).Symbol as ITypeSymbol))
        {
            RewriteLocations.Add(type.GetLocation());
            return;
        }

        foreach (TypeSyntax child in type.ChildNodes().SelectMany(Types))
        {
            CollectSocketNames(child, model, symbols, cancellationToken);
        }

        static IEnumerable<TypeSyntax> Types(SyntaxNode node) => node switch
        {
            TypeSyntax t => new[] { t },
            TypeArgumentListSyntax list => list.Arguments,
            _ => Enumerable.Empty<TypeSyntax>(),
        };
    }

    private TypeSyntax? DeclaredType(SyntaxNode node, out bool shared)
    {
        shared = false;
        switch (Symbol, node)
        {
            case (ILocalSymbol, VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax declaration })
                when declaration.Parent is LocalDeclarationStatementSyntax or UsingStatementSyntax or ForStatementSyntax:
                shared = declaration.Variables.Count > 1;
                return declaration.Type;
            case (IFieldSymbol { IsConst: false }, VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Parent: FieldDeclarationSyntax } declaration }):
                shared = declaration.Variables.Count > 1;
                return declaration.Type;
            case (IParameterSymbol { RefKind: RefKind.None, IsParams: false } parameter, ParameterSyntax { Type: { } type })
                when parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Ordinary or MethodKind.LocalFunction or MethodKind.Constructor }:
                return type;
            case (IPropertySymbol { IsIndexer: false, ExplicitInterfaceImplementations.Length: 0 }, PropertyDeclarationSyntax property):
                return property.Type;
            case (IMethodSymbol { MethodKind: MethodKind.Ordinary, ExplicitInterfaceImplementations.Length: 0 }, MethodDeclarationSyntax method):
                return method.ReturnType;
            case (IMethodSymbol { MethodKind: MethodKind.LocalFunction }, LocalFunctionStatementSyntax localFunction):
                return localFunction.ReturnType;
            default:
                return null;
        }
    }

    private bool IsContract()
    {
        ISymbol member = Symbol is IParameterSymbol { ContainingSymbol: { } containing } ? containing : Symbol;
        if (member.IsVirtual || member.IsAbstract || member.IsOverride || member.IsExtern)
        {
            return true;
        }

        if (member.ContainingType is { } type && member.Kind is SymbolKind.Method or SymbolKind.Property)
        {
            foreach (INamedTypeSymbol @interface in type.AllInterfaces)
            {
                foreach (ISymbol interfaceMember in @interface.GetMembers(member.Name))
                {
                    if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(interfaceMember), member))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
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
