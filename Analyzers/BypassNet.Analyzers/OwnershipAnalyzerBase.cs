using System.Collections.Immutable;
using BypassNet.Analyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace BypassNet.Analyzers;

/// <summary>
/// Runs the shared ownership flow analysis on every method body that touches an [Owned] type or a
/// [TakesOwnership] parameter, and reports the findings of one rule.
/// </summary>
public abstract class OwnershipAnalyzerBase : DiagnosticAnalyzer
{
    private protected OwnershipAnalyzerBase()
    {
    }

    /// <summary>The rule this analyzer reports.</summary>
    private protected abstract DiagnosticDescriptor Rule { get; }

    /// <inheritdoc />
    public sealed override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    /// <inheritdoc />
    public sealed override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            // Per-compilation state lives in this closure, never in a field of the analyzer.
            var symbols = OwnershipSymbols.TryCreate(start.Compilation);
            if (symbols is null)
            {
                return;
            }

            var rule = Rule;
            start.RegisterOperationBlockAction(block => AnalyzeBlock(block, symbols, rule));
        });
    }

    private static void AnalyzeBlock(OperationBlockAnalysisContext context, OwnershipSymbols symbols, DiagnosticDescriptor rule)
    {
        // An operation block may be the body under an IMethodBodyOperation; the graph is built for its root.
        var seen = new HashSet<IOperation>();
        foreach (var block in context.OperationBlocks)
        {
            var root = block;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            if (root.Kind is not (OperationKind.MethodBody or OperationKind.ConstructorBody or OperationKind.Block) || !seen.Add(root))
            {
                continue;
            }

            var findings = OwnershipFlowAnalysis.Run(root, context.OwningSymbol, symbols, _ => context.GetControlFlowGraph(block), context.CancellationToken);
            foreach (var diagnostic in findings)
            {
                if (diagnostic.Id == rule.Id)
                {
                    context.ReportDiagnostic(diagnostic);
                }
            }
        }
    }
}
