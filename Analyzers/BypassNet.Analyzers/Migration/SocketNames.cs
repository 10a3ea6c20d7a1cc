using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BypassNet.Analyzers.Migration;

/// <summary>The type name nodes inside a written type that bind to Socket (or TcpListener): what the swap rewrites to the counterpart.</summary>
internal static class SocketNames
{
    /// <summary>
    /// The outermost nodes of <paramref name="type"/> that bind to Socket (<c>Socket</c> in <c>Socket?</c>,
    /// <c>Task&lt;Socket&gt;</c>, <c>Dictionary&lt;Socket, int&gt;</c>, <c>Socket[]</c>, <c>(Socket Sock, int Id)</c>).
    /// </summary>
    public static List<Location> In(TypeSyntax? type, SocketSymbols symbols, SemanticModel? model, System.Threading.CancellationToken cancellationToken = default)
    {
        var found = new List<Location>();
        if (type is not null && model is not null && ReferenceEquals(model.SyntaxTree, type.SyntaxTree))
        {
            Collect(type, model, symbols, found, cancellationToken);
        }

        return found;
    }

    private static void Collect(TypeSyntax type, SemanticModel model, SocketSymbols symbols, List<Location> found, System.Threading.CancellationToken cancellationToken)
    {
        if (type is NullableTypeSyntax nullable)
        {
            // Socket? becomes BypassSocket?: only the name changes.
            Collect(nullable.ElementType, model, symbols, found, cancellationToken);
            return;
        }

        if (!type.IsVar
            && (symbols.IsSwapped(model.GetTypeInfo(type, cancellationToken).Type) || symbols.IsSwapped(model.GetSymbolInfo(type, cancellationToken).Symbol as ITypeSymbol)))
        {
            found.Add(type.GetLocation());
            return;
        }

        foreach (TypeSyntax child in type.ChildNodes().SelectMany(Types))
        {
            Collect(child, model, symbols, found, cancellationToken);
        }

        static IEnumerable<TypeSyntax> Types(SyntaxNode node) => node switch
        {
            TypeSyntax t => new[] { t },
            TypeArgumentListSyntax list => list.Arguments,
            TupleElementSyntax element => new[] { element.Type },
            _ => Enumerable.Empty<TypeSyntax>(),
        };
    }
}
