using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace BypassNet.CodeFixes.Migration;

/// <summary>
/// Fix All for BYP100. A group can span documents, so even the Document scope rewrites every declaration of each group
/// that has a diagnostic in the document: fixing half a group would not compile. The union of the groups' locations
/// is rewritten once per document.
/// </summary>
internal sealed class SocketMigrationFixAllProvider : FixAllProvider
{
    public static readonly SocketMigrationFixAllProvider Instance = new();

    public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
        new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

    public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
    {
        var diagnostics = new List<Diagnostic>();
        switch (fixAllContext.Scope)
        {
            case FixAllScope.Document when fixAllContext.Document is { } document:
                diagnostics.AddRange(await fixAllContext.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false));
                break;
            case FixAllScope.Project:
                diagnostics.AddRange(await fixAllContext.GetAllDiagnosticsAsync(fixAllContext.Project).ConfigureAwait(false));
                break;
            case FixAllScope.Solution:
                foreach (Project project in fixAllContext.Solution.Projects)
                {
                    diagnostics.AddRange(await fixAllContext.GetAllDiagnosticsAsync(project).ConfigureAwait(false));
                }

                break;
            default:
                return null;
        }

        ImmutableArray<Location> locations = diagnostics
            .Where(d => d.Id == Analyzers.Migration.MigrationDescriptors.SocketMigrationId)
            .SelectMany(d => d.AdditionalLocations)
            .Distinct()
            .ToImmutableArray();
        if (locations.IsEmpty)
        {
            return null;
        }

        Solution solution = fixAllContext.Solution;
        return CodeAction.Create(
            SocketMigrationCodeFixProvider.Title,
            cancellationToken => SocketSwap.ApplyAsync(solution, locations, cancellationToken),
            equivalenceKey: fixAllContext.CodeActionEquivalenceKey);
    }
}
