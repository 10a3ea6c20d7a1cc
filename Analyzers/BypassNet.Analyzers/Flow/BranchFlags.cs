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
/// along the same side twice. So is a bool parameter tested twice (unknown at entry), and an equality test of another
/// local or parameter against a constant made by two branches (<c>to is null</c>, <c>mode == Mode.Forward</c>): its
/// flag holds whether the test is true, and any assignment of the variable makes it unknown again. Constant flags
/// come first when there are more than <see cref="Max"/>, then computed ones, then equality tests.
/// A variable is left out when anything else may write it: a compound assignment, an increment, a <c>ref</c> or
/// <c>out</c> argument, a <c>ref</c> local to it, a pattern that declares it, a deconstruction, or a lambda or local
/// function that names it.
/// </summary>
internal sealed class BranchFlags
{
    /// <summary>At most this many flags per graph: the paths kept apart grow as 2^flags.</summary>
    public const int Max = 4;

    public static readonly BranchFlags None = new(Array.Empty<ISymbol>());

    private readonly ISymbol[] _locals;

    // Equality tests of another variable against a constant (`to is null`, `mode == Mode.Forward`) tested by two
    // branches or more: each is a flag too, holding whether the test is true, in the slots after the bool flags.
    private readonly (ISymbol Variable, object? Constant)[] _atoms;

    // The variables the graph writes through captures (`sent = a ? b : c`).
    private readonly CaptureTargets _captures;

    private BranchFlags(ISymbol[] locals, CaptureTargets? captures = null, (ISymbol Variable, object? Constant)[]? atoms = null)
    {
        _locals = locals;
        _captures = captures ?? CaptureTargets.None;
        _atoms = atoms ?? Array.Empty<(ISymbol, object?)>();
    }

    /// <summary>The flags of <paramref name="cfg"/>.</summary>
    public static BranchFlags Find(ControlFlowGraph cfg, CaptureTargets captures, Func<ITypeSymbol, bool> isTracked)
    {
        // How often branches test each variable (`if (sent)`, `if (!owned)`) and each equality test (`to is null`).
        var tests = new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default);
        var atomTests = new List<((ISymbol Variable, object? Constant) Atom, int Count)>();
        foreach (var block in cfg.Blocks)
        {
            if (block.BranchValue is null)
            {
                continue;
            }

            var condition = Negations(block.BranchValue);
            if (FlagVariable(condition) is { } tested)
            {
                tests[tested] = tests.TryGetValue(tested, out var count) ? count + 1 : 1;
            }
            else if (TryReadAtom(condition, out var variable, out var constant, out _) && MethodFacts.TypeOf(variable) is { } type && !isTracked(type))
            {
                var at = atomTests.FindIndex(t => SameAtom(t.Atom, (variable, constant)));
                if (at < 0)
                {
                    atomTests.Add(((variable, constant), 1));
                }
                else
                {
                    atomTests[at] = (atomTests[at].Atom, atomTests[at].Count + 1);
                }
            }
        }

        var candidates = new List<ISymbol>();
        CollectLocals(cfg.Root, candidates);
        var parameters = tests.Keys.OfType<IParameterSymbol>().ToList();
        candidates.AddRange(parameters);
        if (candidates.Count == 0 && atomTests.Count == 0)
        {
            return None;
        }

        var seenTrue = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var seenFalse = new HashSet<ISymbol>(SymbolEqualityComparer.Default);

        // A parameter's value comes from the caller: unknown until a branch on it.
        var computed = new HashSet<ISymbol>(parameters, SymbolEqualityComparer.Default);
        var excluded = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var namedInClosures = new HashSet<string>(StringComparer.Ordinal);
        foreach (var localFunction in cfg.LocalFunctions)
        {
            foreach (var reference in localFunction.DeclaringSyntaxReferences)
            {
                AddIdentifiers(reference.GetSyntax(), namedInClosures);
            }
        }

        foreach (var block in cfg.Blocks)
        {
            foreach (var operation in block.Operations)
            {
                Scan(operation, captures, seenTrue, seenFalse, computed, excluded, namedInClosures);
            }

            if (block.BranchValue is { } branchValue)
            {
                Scan(branchValue, captures, seenTrue, seenFalse, computed, excluded, namedInClosures);
            }
        }

        bool Writable(ISymbol l) => !excluded.Contains(l) && !namedInClosures.Contains(l.Name);
        var constants = candidates.Where(l => !computed.Contains(l) && seenTrue.Contains(l) && seenFalse.Contains(l) && Writable(l));
        var computedFlags = candidates.Where(l => computed.Contains(l) && Writable(l) && tests.TryGetValue(l, out var count) && count >= 2);
        var flags = constants.Concat(computedFlags).Take(Max).ToArray();
        var atoms = atomTests.Where(t => t.Count >= 2 && Writable(t.Atom.Variable)).Select(t => t.Atom).Take(Max - flags.Length).ToArray();
        return flags.Length == 0 && atoms.Length == 0 ? None : new BranchFlags(flags, captures, atoms);
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

            for (var k = 0; k < _atoms.Length; k++)
            {
                bits |= UnknownBit(_locals.Length + k);
            }

            return bits;
        }
    }

    /// <summary>The index of the flag <paramref name="operation"/> reads, or -1.</summary>
    public int IndexOf(IOperation operation) => SlotOf(FlagVariable(MethodFacts.Unwrap(operation)));

    /// <summary>The slot of the bool flag <paramref name="variable"/>, or -1.</summary>
    private int SlotOf(ISymbol? variable)
    {
        if (variable is not null)
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
        var written = _captures.VariableOf(assignment.Target) ?? AnyVariable(assignment.Target);
        if (written is null)
        {
            return;
        }

        for (var k = 0; k < _atoms.Length; k++)
        {
            if (SymbolEqualityComparer.Default.Equals(_atoms[k].Variable, written))
            {
                // A new value: whether it equals the constant is unknown until a branch on it.
                var slot = _locals.Length + k;
                state.FlagBits = (state.FlagBits & ~(1u << slot)) | UnknownBit(slot);
            }
        }

        var index = SlotOf(written);
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
        var positive = true;
        var index = IndexOf(condition);
        if (index < 0)
        {
            index = AtomSlot(condition, out positive);
        }

        if (index < 0 || !IsUnknown(state, index))
        {
            whenTrue = whenFalse = state;
            return false;
        }

        // The slot holds whether the flag (or the atom's equality) is true: the true edge of `x != K` knows it is false.
        whenTrue = state;
        whenFalse = state.Clone();
        var (setOn, clearOn) = positive ? (whenTrue, whenFalse) : (whenFalse, whenTrue);
        setOn.FlagBits = (setOn.FlagBits | (1u << index)) & ~UnknownBit(index);
        clearOn.FlagBits &= ~((1u << index) | UnknownBit(index));
        return true;
    }

    /// <summary>The slot of the atom <paramref name="condition"/> tests, with whether it tests it true (`==`, `is`) or false (`!=`, `is not`); -1 if none.</summary>
    private int AtomSlot(IOperation condition, out bool positive)
    {
        positive = true;
        if (_atoms.Length == 0 || !TryReadAtom(condition, out var variable, out var constant, out positive))
        {
            return -1;
        }

        for (var k = 0; k < _atoms.Length; k++)
        {
            if (SameAtom(_atoms[k], (variable, constant)))
            {
                return _locals.Length + k;
            }
        }

        return -1;
    }

    private static bool SameAtom((ISymbol Variable, object? Constant) a, (ISymbol Variable, object? Constant) b) =>
        SymbolEqualityComparer.Default.Equals(a.Variable, b.Variable) && Equals(a.Constant, b.Constant);

    /// <summary>
    /// `v == K`, `v != K`, `v is K`, `v is not K` (K a constant, null included; no user-defined operator) for a local or
    /// by-value parameter `v` that is not a bool (bools are flags of their own).
    /// </summary>
    private static bool TryReadAtom(IOperation condition, out ISymbol variable, out object? constant, out bool positive)
    {
        variable = null!;
        constant = null;
        positive = true;
        switch (MethodFacts.Unwrap(condition))
        {
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals, OperatorMethod: null } binary:
                positive = binary.OperatorKind == BinaryOperatorKind.Equals;
                return AtomOperands(binary.LeftOperand, binary.RightOperand, out variable, out constant)
                    || AtomOperands(binary.RightOperand, binary.LeftOperand, out variable, out constant);
            case IIsPatternOperation { Pattern: IConstantPatternOperation pattern } isPattern:
                return AtomOperands(isPattern.Value, pattern.Value, out variable, out constant);
            case IIsPatternOperation { Pattern: INegatedPatternOperation { Pattern: IConstantPatternOperation negated } } isNotPattern:
                positive = false;
                return AtomOperands(isNotPattern.Value, negated.Value, out variable, out constant);
            default:
                return false;
        }
    }

    private static bool AtomOperands(IOperation tested, IOperation constantOperand, out ISymbol variable, out object? constant)
    {
        variable = null!;
        constant = null;
        if (constantOperand.ConstantValue is not { HasValue: true } value
            || AnyVariable(MethodFacts.Unwrap(tested)) is not { } symbol
            || MethodFacts.TypeOf(symbol) is not { SpecialType: not SpecialType.System_Boolean })
        {
            return false;
        }

        variable = symbol;
        constant = value.Value;
        return true;
    }

    /// <summary>The condition under its `!` operators (the caller of <see cref="Refine"/> strips them the same way).</summary>
    private static IOperation Negations(IOperation condition)
    {
        var op = MethodFacts.Unwrap(condition);
        while (op is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not)
        {
            op = MethodFacts.Unwrap(not.Operand);
        }

        return op;
    }

    /// <summary>A local, or a parameter passed by value, that <paramref name="operation"/> names.</summary>
    private static ISymbol? AnyVariable(IOperation operation) => operation switch
    {
        ILocalReferenceOperation { Local.RefKind: RefKind.None } local => local.Local,
        IParameterReferenceOperation { Parameter.RefKind: RefKind.None } parameter => parameter.Parameter,
        _ => null,
    };

    /// <summary>
    /// The value of <paramref name="condition"/> on the paths of <paramref name="state"/>, when it is a flag
    /// (<c>sent</c>, <c>sent == false</c>, <c>sent != true</c>, <c>sent is false</c>; negation is the caller's).
    /// </summary>
    public bool TryEvaluate(IOperation condition, OwnershipState state, out bool value)
    {
        value = false;
        if (AtomSlot(condition, out var positive) is var slot and >= 0)
        {
            value = Holds(state, slot) == positive;
            return !IsUnknown(state, slot);
        }

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

    /// <summary>The bool local, or bool parameter passed by value, that <paramref name="operation"/> names.</summary>
    private static ISymbol? FlagVariable(IOperation operation) => operation switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation { Parameter: { RefKind: RefKind.None, Type.SpecialType: SpecialType.System_Boolean } parameter } => parameter,
        _ => null,
    };

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

    private static void Scan(IOperation root, CaptureTargets captures, HashSet<ISymbol> seenTrue, HashSet<ISymbol> seenFalse, HashSet<ISymbol> computed, HashSet<ISymbol> excluded, HashSet<string> namedInClosures)
    {
        foreach (var operation in root.DescendantsAndSelf())
        {
            switch (operation)
            {
                case ISimpleAssignmentOperation assignment when captures.VariableOf(assignment.Target) is { } captured:
                    // `sent = a ? b : c`: its value is known only on each branch, so it is a computed one here.
                    computed.Add(captured);
                    break;
                case ISimpleAssignmentOperation assignment when AnyVariable(assignment.Target) is { } target:
                    if (assignment.IsRef)
                    {
                        excluded.Add(target);
                        if (AnyVariable(assignment.Value) is { } aliased)
                        {
                            // A ref local to it can write it behind the flags' back.
                            excluded.Add(aliased);
                        }
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
                case ICompoundAssignmentOperation compound when AnyVariable(compound.Target) is { } target:
                    excluded.Add(target);
                    break;
                case IIncrementOrDecrementOperation increment when AnyVariable(increment.Target) is { } target:
                    excluded.Add(target);
                    break;
                case IDeclarationPatternOperation { DeclaredSymbol: ILocalSymbol declared }:
                    // Written by a pattern match, not an assignment the flags would see.
                    excluded.Add(declared);
                    break;
                case ICoalesceAssignmentOperation coalesced when AnyVariable(coalesced.Target) is { } target:
                    excluded.Add(target);
                    break;
                case IArgumentOperation argument when argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out && AnyVariable(argument.Value) is { } target:
                    excluded.Add(target);
                    break;
                case IDeconstructionAssignmentOperation deconstruction:
                    foreach (var element in deconstruction.Target.DescendantsAndSelf())
                    {
                        if (AnyVariable(element) is { } target)
                        {
                            excluded.Add(target);
                        }
                    }

                    break;
                case IAddressOfOperation addressed when AnyVariable(addressed.Reference) is { } target:
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
