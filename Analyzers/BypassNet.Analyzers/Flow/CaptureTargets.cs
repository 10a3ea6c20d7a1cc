using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.Analyzers.Flow;

/// <summary>
/// The locals and parameters a control-flow graph captures before a branching value is assigned to them: for
/// <c>x = c ? a : b</c> Roslyn captures <c>x</c> first and assigns through the capture after the branch. Found once
/// per graph; the branch flags and the transfer function both read an assignment's target through it.
/// </summary>
internal sealed class CaptureTargets
{
    public static readonly CaptureTargets None = new(new Dictionary<CaptureId, ISymbol>());

    private readonly Dictionary<CaptureId, ISymbol> _targets;

    private CaptureTargets(Dictionary<CaptureId, ISymbol> targets) => _targets = targets;

    public static CaptureTargets Of(ControlFlowGraph cfg)
    {
        var targets = new Dictionary<CaptureId, ISymbol>();
        foreach (var block in cfg.Blocks)
        {
            foreach (var operation in block.Operations)
            {
                if (operation is IFlowCaptureOperation capture && capture.Value switch
                    {
                        ILocalReferenceOperation local => local.Local,
                        IParameterReferenceOperation parameter => parameter.Parameter,
                        _ => (ISymbol?)null,
                    } is { } variable)
                {
                    targets[capture.Id] = variable;
                }
            }
        }

        return targets.Count == 0 ? None : new CaptureTargets(targets);
    }

    /// <summary>The variable <paramref name="target"/> stands for when it is a capture of one, else null.</summary>
    public ISymbol? VariableOf(IOperation target) =>
        target is IFlowCaptureReferenceOperation capture && _targets.TryGetValue(capture.Id, out var variable) ? variable : null;
}
