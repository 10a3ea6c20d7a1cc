using System.Collections.Immutable;
using BypassNet.Analyzers.Flow;
using BypassNet.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace BypassNet.Analyzers;

/// <summary>
/// Reports the ownership rules BYP001–BYP005. One analyzer runs the shared flow analysis once per method body and
/// reports every rule's findings from that single pass (four analyzers would build and walk each graph four
/// times). Each rule's descriptor and reporting decision lives in its own file under Rules/.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class OwnershipAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        UseAfterHandoffRule.Descriptor,
        DoubleHandoffRule.Descriptor,
        OwnedValueLeakRule.Descriptor,
        ViewOutlivesHandoffRule.Descriptor,
        InferredTakesOwnershipRule.Descriptor);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            // Per-compilation state lives in this closure, never in a field of the analyzer.
            var symbols = OwnershipSymbols.TryCreate(start.Compilation);
            if (symbols is not null)
            {
                // Method summaries are computed at most once per method of this compilation and shared by all blocks.
                var summaries = new MethodSummaries(start.Compilation, symbols);
                start.RegisterOperationBlockAction(block => AnalyzeBlock(block, symbols, summaries));
            }
        });
    }

    private static void AnalyzeBlock(OperationBlockAnalysisContext context, OwnershipSymbols symbols, MethodSummaries summaries)
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

            // The run offers this method's summary (from its own fixpoint) before BYP005 reads it.
            var findings = OwnershipFlowAnalysis.Run(root, context.OwningSymbol, symbols, summaries, _ => context.GetControlFlowGraph(block), context.CancellationToken);
            foreach (var diagnostic in findings)
            {
                context.ReportDiagnostic(diagnostic);
            }

            if (context.OwningSymbol is IMethodSymbol method && root.Kind is OperationKind.MethodBody or OperationKind.ConstructorBody)
            {
                var analyzed = block;
                summaries.Get(method, () => context.GetControlFlowGraph(analyzed), root);
                InferredTakesOwnershipRule.Check(method, summaries, context.ReportDiagnostic);
            }
        }
    }
}
