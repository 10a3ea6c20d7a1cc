using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace BypassNet.CodeFixes.Migration;

/// <summary>
/// Rewrites type names from Socket to BypassNet.BypassSocket (TcpListener to BypassTcpListener, TcpClient to
/// BypassTcpClient, NetworkStream to BypassNetworkStream) at given locations (one BYP100 group, or the union of
/// several for Fix All), across documents, and adds <c>using BypassNet;</c> where needed. Only the type name nodes
/// change; their trivia, and the file's indentation, are kept.
/// </summary>
internal static class SocketSwap
{
    public static async Task<Solution> ApplyAsync(Solution solution, IEnumerable<Location> locations, CancellationToken cancellationToken)
    {
        var byDocument = new Dictionary<DocumentId, List<Location>>();
        foreach (Location location in locations)
        {
            if (!location.IsInSource || location.SourceTree is not { } tree)
            {
                continue;
            }

            DocumentId? id = solution.GetDocumentId(tree)
                ?? solution.GetDocumentIdsWithFilePath(tree.FilePath).FirstOrDefault();
            if (id is null)
            {
                continue;
            }

            if (!byDocument.TryGetValue(id, out List<Location>? list))
            {
                list = new List<Location>();
                byDocument.Add(id, list);
            }

            list.Add(location);
        }

        foreach (KeyValuePair<DocumentId, List<Location>> entry in byDocument)
        {
            Document? document = solution.GetDocument(entry.Key);
            if (document is null)
            {
                continue;
            }

            Document updated = await RewriteAsync(document, entry.Value, cancellationToken).ConfigureAwait(false);
            solution = updated.Project.Solution;
        }

        return solution;
    }

    private static async Task<Document> RewriteAsync(Document document, List<Location> locations, CancellationToken cancellationToken)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var nodes = new List<TypeSyntax>();
        foreach (Location location in locations.Distinct())
        {
            if (location.SourceSpan.End > root.FullSpan.End)
            {
                continue;
            }

            if (root.FindNode(location.SourceSpan, getInnermostNodeForTie: true) is TypeSyntax type
                && type.Span == location.SourceSpan
                && !type.IsVar)
            {
                nodes.Add(type);
            }
        }

        if (nodes.Count == 0)
        {
            return document;
        }

        // Each type name becomes its counterpart's (a listener's BypassTcpListener, a client's BypassTcpClient, a socket's
        // BypassSocket): the analyzer put them all in the group.
        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        SyntaxNode newRoot = root.ReplaceNodes(nodes, (original, _) => CounterpartOf(original, model, cancellationToken).WithTriviaFrom(original));
        document = document.WithSyntaxRoot(newRoot);
        document = await ImportAdder.AddImportsAsync(document, Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        document = await Simplifier.ReduceAsync(document, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);

        // The simplifier marks every name it shortened for formatting, and formatting a statement with the default
        // options re-indents it (a file indented by two spaces would get lines of four). Only the added using needs it.
        SyntaxNode reduced = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        var shortened = reduced.GetAnnotatedNodes(Formatter.Annotation).Where(node => node is not UsingDirectiveSyntax).ToList();
        if (shortened.Count > 0)
        {
            document = document.WithSyntaxRoot(reduced.ReplaceNodes(shortened, (_, rewritten) => rewritten.WithoutAnnotations(Formatter.Annotation)));
        }

        document = await Formatter.FormatAsync(document, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        return document;
    }

    private static TypeSyntax CounterpartOf(TypeSyntax original, SemanticModel? model, CancellationToken cancellationToken)
    {
        ITypeSymbol? type = model?.GetTypeInfo(original, cancellationToken).Type ?? model?.GetSymbolInfo(original, cancellationToken).Symbol as ITypeSymbol;
        string name = type?.ToDisplayString() switch
        {
            "System.Net.Sockets.TcpListener" => "BypassTcpListener",
            "System.Net.Sockets.NetworkStream" => "BypassNetworkStream",
            "System.Net.Sockets.TcpClient" => "BypassTcpClient",
            _ => "BypassSocket",
        };
        return SyntaxFactory.ParseTypeName("global::BypassNet." + name)
            .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
    }
}
