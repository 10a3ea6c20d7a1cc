using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.Analyzers.Flow;

/// <summary>
/// The <c>bool</c> locals of one graph that only ever hold constants, such as <c>var sent = false; ... sent = true;</c>,
/// at most <see cref="Max"/>. The analysis keeps paths apart by their values (<see cref="OwnershipState.FlagBits"/>),
/// so <c>finally { if (!sent) buf.Dispose(); }</c> is read together with the handoff that set the flag, not merged
/// with the path that did not: the ownership-transfer idiom of .NET code, which a path-merging analysis rejects.
/// A <c>bool</c> local assigned a computed value (<c>bool owned = rng.Next(2) == 0;</c>) and tested by two branches or
/// more is one too: its value is unknown where it is assigned, and the first branch on it splits the paths into the one
/// where it is true and the one where it is false, so <c>if (owned) t = Start(); ... if (owned) await t;</c> is read
/// along the same side twice. Constant flags come first when there are more than <see cref="Max"/>.
/// A local is left out when anything else may write it: a compound assignment, a <c>ref</c> or <c>out</c> argument,
/// a deconstruction, or a lambda or local function that names it.
/// </summary>
internal sealed class BranchFlags
{
    /// <summary>At most this many flags per graph: the paths kept apart grow as 2^flags.</summary>
    public const int Max = 4;

    public static readonly BranchFlags None = new(Array.Empty<ISymbol>());

    private readonly ISymbol[] _locals;

    // Locals the graph captured as the target of an assignment whose value branches (`sent = a ? b : c`).
    private readonly Dictionary<CaptureId, ISymbol> _capturedTargets;

    private BranchFlags(ISymbol[] locals, Dictionary<CaptureId, ISymbol>? capturedTargets = null)
    {
        _locals = locals;
        _capturedTargets = capturedTargets ?? new Dictionary<CaptureId, ISymbol>();
    }

    /// <summary>The flags of <paramref name="cfg"/>.</summary>
    public static BranchFlags Find(ControlFlowGraph cfg)
    {
        var candidates = new List<ISymbol>();
        CollectLocals(cfg.Root, candidates);
        CollectTestedParameters(cfg, candidates);
        if (candidates.Count == 0)
        {
            return None;
        }

        var seenTrue = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var seenFalse = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var computed = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var tests = new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default);
        var excluded = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var namedInClosures = new HashSet<string>(StringComparer.Ordinal);
        foreach (var localFunction in cfg.LocalFunctions)
        {
            foreach (var reference in localFunction.DeclaringSyntaxReferences)
            {
                AddIdentifiers(reference.GetSyntax(), namedInClosures);
            }
        }

        var capturedTargets = CapturedTargets(cfg);
        foreach (var parameter in candidates.OfType<IParameterSymbol>())
        {
            // A parameter's value comes from the caller: unknown until a branch on it.
            computed.Add(parameter);
        }

        foreach (var block in cfg.Blocks)
        {
            foreach (var operation in block.Operations)
            {
                Scan(operation, capturedTargets, seenTrue, seenFalse, computed, excluded, namedInClosures);
            }

            if (block.BranchValue is { } branchValue)
            {
                Scan(branchValue, capturedTargets, seenTrue, seenFalse, computed, excluded, namedInClosures);
                if (TestedLocal(branchValue) is { } tested)
                {
                    tests[tested] = tests.TryGetValue(tested, out var count) ? count + 1 : 1;
                }
            }
        }

        bool Writable(ISymbol l) => !excluded.Contains(l) && !namedInClosures.Contains(l.Name);
        var constants = candidates.Where(l => !computed.Contains(l) && seenTrue.Contains(l) && seenFalse.Contains(l) && Writable(l));
        var computedFlags = candidates.Where(l => computed.Contains(l) && Writable(l) && tests.TryGetValue(l, out var count) && count >= 2);
        var flags = constants.Concat(computedFlags).Take(Max).ToArray();
        return flags.Length == 0 ? None : new BranchFlags(flags, capturedTargets);
    }

    /// <summary>The flag bits a body starts with: its parameter flags are unknown, its locals not yet assigned.</summary>
    public uint InitialBits
    {
        get
        {
            uint bits = 0;
            for (var i = 0; i < _locals.Length; i++)
            {
                if (_locals[i] is IParameterSymbol)
                {
                    bits |= UnknownBit(i);
                }
            }

            return bits;
        }
    }

    /// <summary>The index of the flag <paramref name="operation"/> reads, or -1.</summary>
    public int IndexOf(IOperation operation)
    {
        if (_locals.Length != 0 && FlagVariable(MethodFacts.Unwrap(operation)) is { } variable)
        {
            for (var i = 0; i < _locals.Length; i++)
            {
                if (SymbolEqualityComparer.Default.Equals(_locals[i], variable))
                {
                    return i;
                }
            }
        }

        return -1;
    }

    /// <summary>
    /// When <paramref name="assignment"/> stores a constant into a flag, records it in <paramref name="state"/>.
    /// </summary>
    public void Assign(ISimpleAssignmentOperation assignment, OwnershipState state)
    {
        var index = assignment.Target is IFlowCaptureReferenceOperation captured && _capturedTargets.TryGetValue(captured.Id, out var local)
            ? Array.FindIndex(_locals, l => SymbolEqualityComparer.Default.Equals(l, local))
            : IndexOf(assignment.Target);
        if (index < 0)
        {
            return;
        }

        if (assignment.Value.ConstantValue is { HasValue: true, Value: bool value })
        {
            state.FlagBits = (value ? state.FlagBits | (1u << index) : state.FlagBits & ~(1u << index)) & ~UnknownBit(index);
        }
        else
        {
            // A computed value: unknown until a branch on it splits the paths.
            state.FlagBits = (state.FlagBits & ~(1u << index)) | UnknownBit(index);
        }
    }

    /// <summary>
    /// When <paramref name="condition"/> (negation is the caller's) reads a flag whose value is unknown on the paths of
    /// <paramref name="state"/>: the states on its true and false edges, each knowing the flag's value from there on.
    /// </summary>
    public bool TrySplit(IOperation condition, OwnershipState state, out OwnershipState whenTrue, out OwnershipState whenFalse)
    {
        var index = IndexOf(condition);
        if (index < 0 || !IsUnknown(state, index))
        {
            whenTrue = whenFalse = state;
            return false;
        }

        whenTrue = state;
        whenFalse = state.Clone();
        whenTrue.FlagBits = (whenTrue.FlagBits | (1u << index)) & ~UnknownBit(index);
        whenFalse.FlagBits &= ~((1u << index) | UnknownBit(index));
        return true;
    }

    /// <summary>
    /// The value of <paramref name="condition"/> on the paths of <paramref name="state"/>, when it is a flag
    /// (<c>sent</c>, <c>sent == false</c>, <c>sent != true</c>, <c>sent is false</c>; negation is the caller's).
    /// </summary>
    public bool TryEvaluate(IOperation condition, OwnershipState state, out bool value)
    {
        value = false;
        if (_locals.Length == 0)
        {
            return false;
        }

        var index = IndexOf(condition);
        if (index >= 0)
        {
            value = Holds(state, index);
            return !IsUnknown(state, index);
        }

        switch (MethodFacts.Unwrap(condition))
        {
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } binary:
                var (flag, constant) = IndexOf(binary.LeftOperand) >= 0 ? (binary.LeftOperand, binary.RightOperand) : (binary.RightOperand, binary.LeftOperand);
                if (IndexOf(flag) is var i and >= 0 && !IsUnknown(state, i) && constant.ConstantValue is { HasValue: true, Value: bool compared })
                {
                    value = (Holds(state, i) == compared) == (binary.OperatorKind == BinaryOperatorKind.Equals);
                    return true;
                }

                return false;
            case IIsPatternOperation { Pattern: IConstantPatternOperation { Value.ConstantValue: { HasValue: true, Value: bool pattern } } } isPattern
                when IndexOf(isPattern.Value) is var j and >= 0 && !IsUnknown(state, j):
                value = Holds(state, j) == pattern;
                return true;
            default:
                return false;
        }
    }

    private static bool Holds(OwnershipState state, int index) => (state.FlagBits & (1u << index)) != 0;

    // The high half of the bits says which flags hold a computed value not yet branched on.
    private static uint UnknownBit(int index) => 1u << (16 + index);

    private static bool IsUnknown(OwnershipState state, int index) => (state.FlagBits & UnknownBit(index)) != 0;

    /// <summary>The local a branch condition reads, through negations: <c>if (owned)</c>, <c>if (!owned)</c>.</summary>
    private static ISymbol? TestedLocal(IOperation condition)
    {
        var op = MethodFacts.Unwrap(condition);
        while (op is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not)
        {
            op = MethodFacts.Unwrap(not.Operand);
        }

        return FlagVariable(op);
    }

    /// <summary>The bool local, or bool parameter passed by value, that <paramref name="operation"/> names.</summary>
    private static ISymbol? FlagVariable(IOperation operation) => operation switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation { Parameter: { RefKind: RefKind.None, Type.SpecialType: SpecialType.System_Boolean } parameter } => parameter,
        _ => null,
    };

    /// <summary>The bool parameters passed by value that some branch of the graph tests.</summary>
    private static void CollectTestedParameters(ControlFlowGraph cfg, List<ISymbol> into)
    {
        foreach (var block in cfg.Blocks)
        {
            if (block.BranchValue is { } branchValue && TestedLocal(branchValue) is IParameterSymbol parameter
                && !into.Contains(parameter, SymbolEqualityComparer.Default))
            {
                into.Add(parameter);
            }
        }
    }

    private static void CollectLocals(ControlFlowRegion region, List<ISymbol> into)
    {
        foreach (var local in region.Locals)
        {
            if (local.Type.SpecialType == SpecialType.System_Boolean && local.RefKind == RefKind.None && !local.IsConst)
            {
                into.Add(local);
            }
        }

        foreach (var nested in region.NestedRegions)
        {
            CollectLocals(nested, into);
        }
    }

    /// <summary>The bool locals the graph captures by reference, as assignment targets are before a branching value.</summary>
    private static Dictionary<CaptureId, ISymbol> CapturedTargets(ControlFlowGraph cfg)
    {
        var targets = new Dictionary<CaptureId, ISymbol>();
        foreach (var block in cfg.Blocks)
        {
            foreach (var operation in block.Operations)
            {
                if (operation is IFlowCaptureOperation capture && FlagVariable(capture.Value) is { } variable
                    && MethodFacts.TypeOf(variable)?.SpecialType == SpecialType.System_Boolean)
                {
                    targets[capture.Id] = variable;
                }
            }
        }

        return targets;
    }

    private static void Scan(IOperation root, Dictionary<CaptureId, ISymbol> capturedTargets, HashSet<ISymbol> seenTrue, HashSet<ISymbol> seenFalse, HashSet<ISymbol> computed, HashSet<ISymbol> excluded, HashSet<string> namedInClosures)
    {
        foreach (var operation in root.DescendantsAndSelf())
        {
            switch (operation)
            {
                case ISimpleAssignmentOperation { Target: IFlowCaptureReferenceOperation target } when capturedTargets.TryGetValue(target.Id, out var captured):
                    // `sent = a ? b : c`: its value is known only on each branch, so it is a computed one here.
                    computed.Add(captured);
                    break;
                case ISimpleAssignmentOperation assignment when FlagVariable(assignment.Target) is { } target:
                    if (assignment.IsRef)
                    {
                        excluded.Add(target);
                    }
                    else if (assignment.Value.ConstantValue is not { HasValue: true, Value: bool value })
                    {
                        computed.Add(target);
                    }
                    else
                    {
                        (value ? seenTrue : seenFalse).Add(target);
                    }

                    break;
                case ICompoundAssignmentOperation compound when FlagVariable(compound.Target) is { } target:
                    excluded.Add(target);
                    break;
                case ICoalesceAssignmentOperation coalesced when FlagVariable(coalesced.Target) is { } target:
                    excluded.Add(target);
                    break;
                case IArgumentOperation argument when argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out && FlagVariable(argument.Value) is { } target:
                    excluded.Add(target);
                    break;
                case IDeconstructionAssignmentOperation deconstruction:
                    foreach (var element in deconstruction.Target.DescendantsAndSelf())
                    {
                        if (FlagVariable(element) is { } target)
                        {
                            excluded.Add(target);
                        }
                    }

                    break;
                case IAddressOfOperation addressed when FlagVariable(addressed.Reference) is { } target:
                    excluded.Add(target);
                    break;
                case IFlowAnonymousFunctionOperation lambda:
                    AddIdentifiers(lambda.Syntax, namedInClosures);
                    break;
            }
        }
    }

    private static void AddIdentifiers(SyntaxNode syntax, HashSet<string> into)
    {
        foreach (var token in syntax.DescendantTokens())
        {
            if (token.RawKind == (int)Microsoft.CodeAnalysis.CSharp.SyntaxKind.IdentifierToken)
            {
                into.Add(token.ValueText);
            }
        }
    }
}
