using BypassNet.Analyzers.Tests.Verifier;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BypassNet.Analyzers.Tests;

public sealed class DebugTests
{
    [Fact]
    public async Task Dump()
    {
        var src = Environment.GetEnvironmentVariable("DUMP_SRC");
        if (src is null) return;
        var c = AnalyzerVerifier.CreateCompilation(File.ReadAllText(src));
        var tree = c.SyntaxTrees.First();
        var model = c.GetSemanticModel(tree);
        foreach (var m in tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>())
        {
            var op = model.GetOperation(m)!;
            var cfg = ControlFlowGraph.Create((Microsoft.CodeAnalysis.Operations.IMethodBodyOperation)op);
            var syms = OwnershipSymbols.TryCreate(c)!;
            Console.WriteLine("symbols " + (syms != null));
            var facts = BypassNet.Analyzers.Flow.MethodFacts.Gather(op, syms!);
            Console.WriteLine("relevant " + facts.IsRelevant);
            var res = BypassNet.Analyzers.Flow.OwnershipFlowAnalysis.Run(op, model.GetDeclaredSymbol(m)!, syms!, o => cfg, default);
            foreach (var r in res) Console.WriteLine("direct: " + r);
            foreach (var b in cfg.Blocks)
            {
                Console.WriteLine($"B{b.Ordinal} {b.Kind} region={b.EnclosingRegion.Kind} cond={b.ConditionKind} -> {b.FallThroughSuccessor?.Destination?.Ordinal}({b.FallThroughSuccessor?.Semantics}) / {b.ConditionalSuccessor?.Destination?.Ordinal} finally=[{string.Join(",", b.FallThroughSuccessor?.FinallyRegions.Select(r => r.FirstBlockOrdinal) ?? [])}]");
                foreach (var o in b.Operations) Console.WriteLine("   " + o.Kind + " " + o.Syntax.ToString().Replace("\n", " ") + " implicit=" + o.IsImplicit);
                if (b.BranchValue is { } bv) Console.WriteLine("   branch: " + bv.Kind + " " + bv.Syntax);
            }
        }
        var d = await AnalyzerVerifier.GetDiagnosticsAsync(File.ReadAllText(src));
        foreach (var x in d) Console.WriteLine(x);
    }
}
