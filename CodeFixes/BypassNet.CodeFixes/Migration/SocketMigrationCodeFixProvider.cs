using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using BypassNet.Analyzers.Migration;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace BypassNet.CodeFixes.Migration;

/// <summary>
/// BYP100 fix: swap Socket for BypassNet.BypassSocket in every declaration of the diagnostic's group (which may span
/// documents), so the program still compiles. Everything else (constructor arguments, calls, trivia) is kept.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SocketMigrationCodeFixProvider)), Shared]
public sealed class SocketMigrationCodeFixProvider : CodeFixProvider
{
    internal const string Title = "Use BypassNet.BypassSocket";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(MigrationDescriptors.SocketMigrationId);

    public override FixAllProvider GetFixAllProvider() => SocketMigrationFixAllProvider.Instance;

    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (diagnostic.AdditionalLocations.Count == 0)
            {
                continue;
            }

            int count = diagnostic.AdditionalLocations.Count;
            Solution solution = context.Document.Project.Solution;
            context.RegisterCodeFix(
                CodeAction.Create(
                    count == 1 ? Title : $"{Title} ({count} declarations)",
                    cancellationToken => SocketSwap.ApplyAsync(solution, diagnostic.AdditionalLocations, cancellationToken),
                    equivalenceKey: Title),
                diagnostic);
        }

        return Task.CompletedTask;
    }
}
