// Over 300 lines on purpose: one case per kind of operation of the transfer function; splitting it by operation kind would scatter the shared read/handoff/rebind helpers every case uses.
using System.Collections.Immutable;
using BypassNet.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.Analyzers.Flow;

/// <summary>
/// The transfer function: how each operation reads, hands off, disposes, acquires or stores owned values. One per
/// analysed graph; <see cref="OwnershipFlowAnalysis"/> drives it block by block and owns the fixpoint.
/// </summary>
internal sealed class OperationTransfer
{
    private readonly AnalysisRun _run;
    private readonly ObjectRegistry _objects;
    private readonly IStateDefaults _defaults;
    private readonly Dictionary<IOperation, ObjSet> _tryOutcomes = new();

    // Calls to a bool method that releases an argument exactly when it returns true (or false): what it would release,
    // where, and on which outcome; the branch that tests the call's result applies it (see Refine).
    private readonly Dictionary<IOperation, List<(VarValue Value, IOperation Site, bool When)>> _conditionalReleases = new();

    // The same, for a bool local the call's result went into; kept across blocks, dropped when the local is assigned again.
    private readonly Dictionary<ILocalSymbol, List<(VarValue Value, IOperation Site, bool When)>> _releasesByFlag = new(SymbolEqualityComparer.Default);
    private readonly List<IFlowAnonymousFunctionOperation> _lambdas = new();
    private readonly Dictionary<int, IOperation> _viewEscapes = new();
    private readonly Dictionary<int, ISymbol> _viewEscapeTargets = new(); // the field or property that keeps the view
    private readonly Dictionary<int, IMethodSymbol> _functions = new();

    // Objects standing for a task of an owned value kept in a local (`var pending = sock.ReceiveAsync();`): owned
    // until awaited or otherwise used, so one never awaited leaks what it completes with.
    private readonly HashSet<int> _pendingTasks = new();

    public OperationTransfer(AnalysisRun run, ObjectRegistry objects, IStateDefaults defaults)
    {
        _run = run;
        _objects = objects;
        _defaults = defaults;
    }

    /// <summary>True during the reporting pass: findings are reported and nested bodies collected only then.</summary>
    public bool Reporting { get; set; }

    /// <summary>The graph's branch flags, whose values keep paths apart.</summary>
    public BranchFlags Flags { get; set; } = BranchFlags.None;

    /// <summary>The variables the graph assigns through captures (`x = c ? a : b`).</summary>
    public CaptureTargets Captures { get; set; } = CaptureTargets.None;

    /// <summary>Lambdas met during the reporting pass; each is analysed as a body of its own afterwards.</summary>
    public IReadOnlyList<IFlowAnonymousFunctionOperation> Lambdas => _lambdas;

    /// <summary>Forgets the Try* outcomes of the previous block (they refine only the branch that ends their block).</summary>
    public void BeginBlock()
    {
        _tryOutcomes.Clear();
        _conditionalReleases.Clear();
    }

    private VarValue DefaultVar(object key) => _defaults.DefaultVar(key);

    private ObjState StateOf(OwnershipState state, int id) =>
        state.Objects.TryGetValue(id, out var objState) ? objState : _defaults.DefaultObject(id);

    private VarValue ValueOf(OwnershipState state, object key) =>
        state.Vars.TryGetValue(key, out var value) ? value : _defaults.DefaultVar(key);

    // Methods that put their argument into a collection, channel or completion source: the argument's new owner.
    private static readonly ImmutableHashSet<string> StoringMethodNames = ImmutableHashSet.Create(
        "Add", "AddRange", "Insert", "Push", "Enqueue", "TryAdd", "TryEnqueue", "TryPush", "TryWrite", "WriteAsync",
        "Post", "AddOrUpdate", "GetOrAdd", "TryUpdate", "AddLast", "AddFirst", "AddBefore", "AddAfter", "Set", "SetValue",
        "SetResult", "TrySetResult", "Return", "Exchange", "CompareExchange", "Write");

    private OwnershipSymbols Symbols => _run.Symbols;

    /// <summary>Evaluates an operation in evaluation order; the result says which objects its value may be.</summary>
    public VarValue Evaluate(IOperation op, OwnershipState state)
    {
        switch (op)
        {
            case INameOfOperation:
            case ILiteralOperation:
                return default;
            case IFlowCaptureOperation capture:
                EvaluateCapture(capture, state);
                return default;
            case IFlowCaptureReferenceOperation captureReference:
                return ReadCapture(captureReference, state, nullTest: false);
            case IConversionOperation conversion:
                return Evaluate(conversion.Operand, state);
            case IParenthesizedOperation parenthesized:
                return Evaluate(parenthesized.Operand, state);
            case IPropertyReferenceOperation { Instance: { } tested } ownership when IsOwnershipTest(ownership):
                // `buf.IsOwned` asks whether the handle still owns its memory: true to ask after a handoff.
                EvaluateOwnershipTested(tested, state);
                return default;
            case IPropertyReferenceOperation { Instance: { } nullable } value when MethodFacts.IsNullableValue(value):
                // `x.Value` of a Nullable<owned struct> is x itself: one lease, like a conversion.
                return Evaluate(nullable, state);
            case IInvocationOperation { Instance: { } nullable } unwrap when MethodFacts.IsNullableUnwrap(unwrap):
                // What the compiler writes for `x?.M()` on a Nullable<owned struct>: x itself, as for a reference.
                return Evaluate(nullable, state);
            case ISimpleAssignmentOperation assignment:
                return Assign(assignment, state);
            case IExpressionStatementOperation { Operation: var statement }:
                // `sock.ReceiveAsync();` as a statement: nobody will ever await what it completes with.
                var dropped = Evaluate(statement, state);
                return DroppedTaskOfOwned(statement) is { } call ? Acquire(call, state) : dropped;
            case IDelegateCreationOperation delegateCreation:
                // `Action a = () => ...;`, `Func<Task> f = Local;`: the delegate is the function it wraps.
                return Evaluate(delegateCreation.Target, state);
            case IDeconstructionAssignmentOperation deconstruction:
                Deconstruct(deconstruction, state);
                return default;
            case IInvocationOperation { TargetMethod: { IsStatic: true, Name: "FromResult" } } wrap when Symbols.IsTaskOfOwned(wrap.Type):
                // Task.FromResult(owned) / ValueTask.FromResult(owned): the task carries the value to whoever awaits it.
                return EvaluateArguments(wrap.Arguments, state);
            case IPropertyReferenceOperation { Instance: { } task } result when IsBlockingResult(result, state):
                Evaluate(task, state);
                return Acquire(result, state);
            case IInvocationOperation getResult when IsBlockingResult(getResult, state):
                Invoke(getResult, getResult.TargetMethod, getResult.Instance, getResult.Arguments, state);
                return Acquire(getResult, state);
            case IInvocationOperation invocation:
                var invoked = Invoke(invocation, invocation.TargetMethod, invocation.Instance, invocation.Arguments, state);
                if (invocation.TargetMethod.Name is "Wait" or "GetResult" && invocation.Instance is { } waitedOn)
                {
                    EndLoans(waitedOn, state);
                }
                else if (invocation.TargetMethod is { IsStatic: true, Name: "WaitAll" })
                {
                    EndLoans(invocation, state);
                }

                return StartsPendingTask(invocation, state) ? AcquirePendingTask(invocation, state) : invoked;
            case IPropertyReferenceOperation { Property.Name: "Result", Instance: { } completed } result when Symbols.IsTask(completed.Type):
                var read = EvaluateChildren(result, state);
                EndLoans(completed, state);
                return Symbols.IsView(result.Type) ? read.AsView(true) : default;
            case IObjectCreationOperation creation:
                return Create(creation, state);
            case IAwaitOperation awaitOperation:
                return Await(awaitOperation, state);
            case IReturnOperation { ReturnedValue: { } returned }:
                Return(Evaluate(returned, state), returned, state);
                return default;
            case IIsNullOperation:
                // Only the compiler writes IIsNullOperation (?., ??, using): never a use.
                return default;
            case IBinaryOperation binary when NullComparand(binary) is { } compared:
                EvaluateNullTested(compared, state);
                return default;
            case IIsPatternOperation isPattern:
                EvaluatePattern(isPattern, state);
                return default;
            case IFlowAnonymousFunctionOperation lambda:
                if (Reporting)
                {
                    _lambdas.Add(lambda);
                }

                return CreateFunction(lambda.Symbol, lambda, state, reportAt: null);
            case IMethodReferenceOperation { Method.Name: "Dispose", Instance: { } disposed } when Symbols.IsOwned(disposed.Type):
                // `ct.Register(buf.Dispose)`, `Task.Run(buf.Dispose)`: the delegate holds the value and releases it.
                Escape(Evaluate(disposed, state).Objects, state);
                return default;
            case IMethodReferenceOperation { Method.MethodKind: MethodKind.LocalFunction } reference:
                return CreateFunction(reference.Method, reference, state, reportAt: reference);
            case IArrayCreationOperation { IsImplicit: false }:
            case ITupleOperation:
            case IAnonymousObjectCreationOperation:
                // Composite values own what they are built from.
                Escape(EvaluateChildren(op, state).Objects, state);
                return default;
        }

        if (MethodFacts.VariableOf(op) is { } variable && (op is not IMemberReferenceOperation || _run.Facts.IsTrackedOwner(variable)))
        {
            return ReadVariable(variable, op, state, nullTest: false);
        }

        var children = EvaluateChildren(op, state);

        // A property, indexer or range of a view (buf.Span, span[1..]) is a view of the same objects.
        return Symbols.IsView(op.Type) ? children.AsView(true) : default;
    }

    private VarValue EvaluateArguments(ImmutableArray<IArgumentOperation> arguments, OwnershipState state)
    {
        var result = default(VarValue);
        foreach (var argument in arguments)
        {
            result = result.Join(Evaluate(argument.Value, state).Plain());
        }

        return result.AsView(false);
    }

    private VarValue EvaluateChildren(IOperation op, OwnershipState state)
    {
        var result = default(VarValue);
        foreach (var child in op.ChildOperations)
        {
            result = result.Join(Evaluate(child, state).Plain());
        }

        return result.AsView(false);
    }

    private VarValue ReadVariable(ISymbol variable, IOperation reference, OwnershipState state, bool nullTest)
    {
        var value = ValueOf(state, variable);

        // Compiler-generated reads (the using's Dispose and null test, foreach plumbing) are not the user's uses.
        if (!reference.IsImplicit)
        {
            value = CheckUse(value, state, reference, nullTest);
        }

        ReleasePendingTasks(value, reference, state);
        return value;
    }

    /// <summary>
    /// Judges a read of a value by the history of its bindings: reported when on some path to here the object it
    /// holds there was handed off (or disposed, except for a null test). A reported value's history is then cleared
    /// on every binding, so each value is reported at most once per path: at its first bad use.
    /// </summary>
    private VarValue CheckUse(VarValue value, OwnershipState state, IOperation reference, bool nullTest)
    {
        if (value.Objects.IsEmpty)
        {
            return value;
        }

        var history = value.History();
        if (ReportUse(history.Flags, history.MovedAt, history.DisposedAt, value.IsView, reference, nullTest))
        {
            value = ClearHistory(value, state);
        }

        return value;
    }

    /// <summary>True (and reported, in the reporting pass) when a read with this history is a use after handoff or dispose.</summary>
    private bool ReportUse(ObjFlags flags, IOperation? moved, IOperation? disposed, bool isView, IOperation reference, bool nullTest)
    {
        var bad = (flags & (ObjFlags.Moved | ObjFlags.MovedInTry)) != 0 || ((flags & ObjFlags.Disposed) != 0 && !nullTest);
        if (!bad || !Reporting)
        {
            return bad;
        }

        if ((flags & ObjFlags.MovedInTry) != 0)
        {
            flags |= ObjFlags.Moved;
        }

        if (isView)
        {
            ViewOutlivesHandoffRule.CheckRead(_run, flags, moved, disposed, reference, nullTest);
        }
        else
        {
            UseAfterHandoffRule.CheckRead(_run, UseAfterHandoffRule.Descriptor, flags, moved, disposed, reference, nullTest);
        }

        return true;
    }

    private static readonly Func<ObjState, ObjState> Cleared = b => b.WithFlags(b.Flags & ~(ObjFlags.Moved | ObjFlags.MovedInTry | ObjFlags.Disposed));

    /// <summary>Clears the history of the bindings <paramref name="via"/> stands for; returns <paramref name="via"/> cleared too.</summary>
    private VarValue ClearHistory(VarValue via, OwnershipState state)
    {
        UpdateBindings(state, via, Cleared);
        return via.Update(via.Objects, Cleared, out _);
    }

    /// <summary>
    /// Applies <paramref name="update"/> to the bindings that <paramref name="via"/> stands for: for each object it
    /// may be, the binding of every variable that holds that object on the same paths (its holders). What happens to
    /// an object through one variable happens to it through its aliases, and only through them.
    /// </summary>
    private void UpdateBindings(OwnershipState state, VarValue via, Func<ObjState, ObjState> update)
    {
        for (var i = 0; i < via.Objects.Count; i++)
        {
            var holders = via.BindingAt(i).Holders;
            if (holders is null)
            {
                continue;
            }

            var id = via.Objects[i];
            foreach (var holder in holders)
            {
                var value = Materialize(state, holder);
                var index = value.IndexOf(id);
                if (index < 0)
                {
                    continue;
                }

                var updated = value.Update(ObjSet.Of(id), update, out var changed);
                if (changed)
                {
                    state.Vars[holder] = updated;
                }
            }
        }
    }

    // A parameter or field not yet mentioned still holds its initial object: give it an entry to change.
    private VarValue Materialize(OwnershipState state, object key)
    {
        if (state.Vars.TryGetValue(key, out var value))
        {
            return value;
        }

        value = DefaultVar(key);
        if (!value.Objects.IsEmpty)
        {
            state.Vars[key] = value;
        }

        return value;
    }

    // A capture of a bare variable (the compiler's temporary for ?., ??, using, switch...) is not judged when it is
    // made: an implicit null test or Dispose of it must not count as a use. Its read is judged when consumed.
    private void EvaluateCapture(IFlowCaptureOperation capture, OwnershipState state)
    {
        var inner = MethodFacts.Unwrap(capture.Value);
        if (inner is IFlowCaptureReferenceOperation source)
        {
            state.Vars[capture.Id] = ValueOf(state, source.Id);
            return;
        }

        if (MethodFacts.VariableOf(inner) is { } variable && (inner is not IMemberReferenceOperation || _run.Facts.IsTrackedOwner(variable)))
        {
            var value = ValueOf(state, variable);
            var history = value.History();
            var site = (history.Flags & (ObjFlags.Moved | ObjFlags.MovedInTry)) != 0 ? history.MovedAt : history.DisposedAt;
            state.Vars[capture.Id] = value.AsVariableRead(history.Flags & (ObjFlags.Moved | ObjFlags.MovedInTry | ObjFlags.Disposed), site);
            return;
        }

        var evaluated = Evaluate(capture.Value, state);
        state.Vars[capture.Id] = evaluated.Plain();
    }

    private VarValue ReadCapture(IFlowCaptureReferenceOperation reference, OwnershipState state, bool nullTest)
    {
        var value = ValueOf(state, reference.Id);
        if (value.IsVariableRead)
        {
            var moved = (value.ReadFlags & (ObjFlags.Moved | ObjFlags.MovedInTry)) != 0 ? value.ReadSite : null;
            if (ReportUse(value.ReadFlags, moved, value.ReadSite, value.IsView, reference, nullTest))
            {
                value = ClearHistory(value, state).AsVariableRead(ObjFlags.None, null);
                state.Vars[reference.Id] = value;
            }
        }

        ReleasePendingTasks(value, reference, state);
        return value;
    }

    /// <summary>The value a handoff or Dispose consumes, without judging it as a read.</summary>
    private bool TryPeek(IOperation operand, OwnershipState state, out VarValue value, out IOperation reference)
    {
        reference = MethodFacts.Unwrap(operand);
        if (reference is IFlowCaptureReferenceOperation capture)
        {
            value = ValueOf(state, capture.Id);
            return true;
        }

        if (MethodFacts.VariableOf(reference) is { } variable && (reference is not IMemberReferenceOperation || _run.Facts.IsTrackedOwner(variable)))
        {
            value = ValueOf(state, variable);
            return true;
        }

        value = default;
        return false;
    }

    private void EvaluateNullTested(IOperation operand, OwnershipState state)
    {
        var inner = MethodFacts.Unwrap(operand);
        if (inner is IFlowCaptureReferenceOperation capture)
        {
            // An explicit null test of a captured variable is judged here, as a null test: a disposed value may
            // be null-tested, a handed-off one may not. The compiler's own tests of its captures are not uses.
            if (!operand.IsImplicit && !capture.IsImplicit)
            {
                ReadCapture(capture, state, nullTest: true);
            }

            return;
        }

        if (MethodFacts.VariableOf(inner) is { } variable && (inner is not IMemberReferenceOperation || _run.Facts.IsTrackedOwner(variable)))
        {
            ReadVariable(variable, inner, state, nullTest: true);
            return;
        }

        Evaluate(operand, state);
    }

    /// <summary>`x.IsOwned` (a bool property of that name on an owned type): a question any handle may be asked.</summary>
    private bool IsOwnershipTest(IPropertyReferenceOperation property) =>
        property.Property.Name == "IsOwned" && property.Type?.SpecialType == SpecialType.System_Boolean
        && property.Instance is { } instance && Symbols.IsOwned(instance.Type);

    private void EvaluateOwnershipTested(IOperation operand, OwnershipState state)
    {
        // A tracked variable or capture is only asked, not used, whatever happened to its value before.
        if (!TryPeek(operand, state, out _, out _))
        {
            Evaluate(operand, state);
        }
    }

    /// <summary>
    /// The edges of `x.IsOwned`: where true, x was neither handed off nor disposed on the paths taking it (so it must
    /// still be released there); where false, it was, or it is no lease at all, so nothing is left to release.
    /// </summary>
    private (OwnershipState? WhenTrue, OwnershipState? WhenFalse) RefineOwnership(VarValue tested, OwnershipState state)
    {
        var objects = tested.Objects;
        var ownedPossible = false;
        var releasedPossible = false;
        for (var i = 0; i < objects.Count; i++)
        {
            var flags = StateOf(state, objects[i]).Flags;
            ownedPossible |= StillOwned(flags) != ObjFlags.None;
            releasedPossible |= NoLongerOwned(flags) != ObjFlags.None;
        }

        // A side no object can be on is not taken (IsOwned after a handoff on every path is false).
        var ownedSide = ownedPossible ? state : null;
        var releasedSide = releasedPossible ? (ownedPossible ? state.Clone() : state) : null;
        for (var i = 0; i < objects.Count; i++)
        {
            var id = objects[i];
            var old = StateOf(state, id);
            if (ownedSide is not null && StillOwned(old.Flags) is var owned && owned != ObjFlags.None)
            {
                ownedSide.Objects[id] = old.WithFlags(owned);
            }

            if (releasedSide is not null && NoLongerOwned(old.Flags) is var released && released != ObjFlags.None)
            {
                releasedSide.Objects[id] = old.WithFlags(released);
            }
        }

        // The bindings' own histories too: they decide whether a later read or Dispose() is after a handoff. A
        // binding records what happened through the variable, so on a side that is taken it is that side's answer.
        if (ownedSide is not null)
        {
            UpdateBindings(ownedSide, tested, static b => b.WithFlags(StillOwned(b.Flags) is var f && f != ObjFlags.None ? f : ObjFlags.Live));
        }

        if (releasedSide is not null)
        {
            UpdateBindings(releasedSide, tested, static b => b.WithFlags(NoLongerOwned(b.Flags) is var f && f != ObjFlags.None ? f : ObjFlags.Null));
        }

        return (ownedSide, releasedSide);
    }

    private const ObjFlags ReleasedFlags = ObjFlags.Moved | ObjFlags.MovedInTry | ObjFlags.Disposed;

    // What remains possible where IsOwned was true: not handed off, not disposed (None: it cannot be).
    private static ObjFlags StillOwned(ObjFlags flags) => flags & ~(ReleasedFlags | ObjFlags.Null | ObjFlags.Unconfirmed);

    // What remains possible where IsOwned was false: released, or never a lease (None: it cannot be).
    private static ObjFlags NoLongerOwned(ObjFlags flags) => flags & (ReleasedFlags | ObjFlags.Null | ObjFlags.Unconfirmed);

    private static IOperation? NullComparand(IBinaryOperation binary)
    {
        if (binary.OperatorKind is not (BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals))
        {
            return null;
        }

        if (IsNullConstant(binary.RightOperand))
        {
            return binary.LeftOperand;
        }

        return IsNullConstant(binary.LeftOperand) ? binary.RightOperand : null;
    }

    private static bool IsNullConstant(IOperation op)
    {
        op = MethodFacts.Unwrap(op);
        return op is IDefaultValueOperation || (op.ConstantValue.HasValue && op.ConstantValue.Value is null);
    }

    private void EvaluatePattern(IIsPatternOperation isPattern, OwnershipState state)
    {
        var nullTest = IsNullPattern(isPattern.Pattern, out _);
        VarValue value;
        var inner = MethodFacts.Unwrap(isPattern.Value);
        if (inner is IFlowCaptureReferenceOperation capture)
        {
            value = ReadCapture(capture, state, nullTest);
        }
        else if (MethodFacts.VariableOf(inner) is { } variable && (inner is not IMemberReferenceOperation || _run.Facts.IsTrackedOwner(variable)))
        {
            value = ReadVariable(variable, inner, state, nullTest);
        }
        else
        {
            value = Evaluate(isPattern.Value, state);
        }

        // `x is OwnedBuffer b` and `x is { } b` make b an alias of x.
        var declared = isPattern.Pattern switch
        {
            IDeclarationPatternOperation declaration => declaration.DeclaredSymbol,
            IRecursivePatternOperation recursive => recursive.DeclaredSymbol,
            _ => null,
        };

        if (declared is not null)
        {
            AssignVariable(declared, value.Plain(), isPattern, state);
        }
    }

    /// <summary>True for `null` and `not null` patterns; <paramref name="trueMeansNull"/> says which.</summary>
    private static bool IsNullPattern(IPatternOperation pattern, out bool trueMeansNull)
    {
        switch (pattern)
        {
            case IConstantPatternOperation constant when IsNullConstant(constant.Value):
                trueMeansNull = true;
                return true;
            case INegatedPatternOperation { Pattern: IConstantPatternOperation constant } when IsNullConstant(constant.Value):
                trueMeansNull = false;
                return true;
            default:
                trueMeansNull = false;
                return false;
        }
    }

    private VarValue Assign(ISimpleAssignmentOperation assignment, OwnershipState state)
    {
        Flags.Assign(assignment, state);
        var target = assignment.Target;
        if (target is IDiscardOperation)
        {
            // `_ = pool.Rent();` drops the value: it stays live and leaks. So does `_ = sock.ReceiveAsync();`: the
            // buffer the task completes with is never awaited, so never disposed.
            var discarded = Evaluate(assignment.Value, state);
            return DroppedTaskOfOwned(assignment.Value) is { } call ? Acquire(call, state) : discarded;
        }

        var variable = MethodFacts.VariableOf(target) ?? Captures.VariableOf(target);
        if (variable is null || (target is IMemberReferenceOperation && !_run.Facts.IsTrackedOwner(variable)))
        {
            // A store anywhere else (another object's field, an array element, an indexer): the store owns it.
            EvaluateChildren(target, state);
            var stored = Evaluate(assignment.Value, state);
            if (target is IMemberReferenceOperation { Instance: null or IInstanceReferenceOperation } kept)
            {
                // Kept by this object or the type (not a temporary's field): it outlives the statement. Whatever view
                // the member kept before is no longer kept by it (`_view = default;` before the Dispose is fine).
                KeepIn(kept.Member, stored, assignment.Value, state);
            }

            Escape(stored.Objects, state);
            return stored;
        }

        var value = Evaluate(assignment.Value, state);
        if (variable is ILocalSymbol { Type.SpecialType: SpecialType.System_Boolean } flag)
        {
            // `bool kept = TryKeep(buf);`: a test of `kept` stands for a test of the call (until `kept` is assigned again).
            if (_conditionalReleases.TryGetValue(ResultOf(assignment.Value), out var releases))
            {
                _releasesByFlag[flag] = releases;
            }
            else
            {
                _releasesByFlag.Remove(flag);
            }
        }

        var assigned = IsNullConstant(assignment.Value)
            ? Rebind(variable, default, assignment, state)
            : AssignVariable(variable, value, assignment, state);
        if (variable is IFieldSymbol or IPropertySymbol
            || variable is IParameterSymbol { RefKind: not RefKind.None }
            || variable is ILocalSymbol { IsRef: true })
        {
            // Stored into a field of this or through a ref/out parameter: owned by the object or the caller now.
            if (variable is IFieldSymbol or IPropertySymbol)
            {
                KeepIn(variable, value, assignment.Value, state);
            }
            else
            {
                EscapeView(value, assignment.Value, state, keptBy: null);
            }

            Escape(value.Objects, state);
        }

        return assigned.AsView(value.IsView);
    }

    /// <summary>
    /// Points a variable at the assigned value, with the value's bindings: the variable holds only that from here
    /// on (renewal). A tracked owner assigned from something untracked gets a fresh object.
    /// </summary>
    private VarValue AssignVariable(ISymbol variable, VarValue value, IOperation site, OwnershipState state)
    {
        if (value.Objects.IsEmpty && _run.Facts.IsTrackedOwner(variable))
        {
            // Reinitialised from something we do not track: a fresh owned value, not one this body acquired.
            var id = _objects.GetOrAdd(("assigned", site), ObjectKind.Unknown, site);
            state.Objects[id] = new ObjState(ObjFlags.Live, null, null);
            value = new VarValue(ObjSet.Of(id), isView: false);
        }

        return Rebind(variable, value, site, state);
    }

    /// <summary>
    /// Gives a variable a new value. An acquired value it held that is still owned and that no other variable
    /// holds is lost here (an overwrite), which the leak message names.
    /// </summary>
    private VarValue Rebind(ISymbol variable, VarValue value, IOperation site, OwnershipState state)
    {
        var old = ValueOf(state, variable);

        // The variable stops holding what it held: it leaves those bindings' holders.
        for (var i = 0; i < old.Objects.Count; i++)
        {
            if (old.BindingAt(i).Holders is { } oldHolders)
            {
                foreach (var holder in oldHolders)
                {
                    if (!VarKeys.Equals(holder, variable))
                    {
                        ChangeHolders(state, holder, old.Objects[i], h => h.Remove(variable));
                    }
                }
            }
        }

        // It holds the new objects together with whoever holds them now, and they with it.
        var bindings = new ObjState[value.Objects.Count];
        for (var i = 0; i < value.Objects.Count; i++)
        {
            var binding = value.BindingAt(i);
            var holders = ImmutableHashSet.Create<object>(VarKeys, variable);
            if (binding.Holders is { } sourceHolders)
            {
                foreach (var holder in sourceHolders)
                {
                    if (!VarKeys.Equals(holder, variable) && ChangeHolders(state, holder, value.Objects[i], h => h.Add(variable)))
                    {
                        holders = holders.Add(holder);
                    }
                }
            }

            bindings[i] = binding.WithHolders(holders);
        }

        var bound = value.Plain().WithBindings(bindings).AsView(Symbols.IsView(MethodFacts.TypeOf(variable)));
        state.Vars[variable] = bound;
        for (var i = 0; i < old.Objects.Count; i++)
        {
            var id = old.Objects[i];
            if (_objects[id].Kind == ObjectKind.Acquired && !bound.Objects.Contains(id)
                && OwnedValueLeakRule.IsLeaked(StateOf(state, id).Flags) && !IsHeld(state, id))
            {
                state.Objects[id] = StateOf(state, id).WithLostAt(site);
                if (Reporting && _objects[id].Site is { } acquiredAt && !IsHeld(state, id, capturesToo: true))
                {
                    // Nothing can reach it any more, whatever the rest of the path does: say so here, since a loop
                    // may never reach the exit, and a later release through a variable the site reuses is not its.
                    OwnedValueLeakRule.Report(_run, acquiredAt, OwnedValueLeakRule.Where(site));
                }
            }
        }

        return bound;
    }

    private static OwnershipState.VarKeyComparer VarKeys => OwnershipState.VarKeyComparer.Instance;

    /// <summary>Changes the holders of <paramref name="holder"/>'s binding of <paramref name="id"/>; false when it holds no such object.</summary>
    private bool ChangeHolders(OwnershipState state, object holder, int id, Func<ImmutableHashSet<object>, ImmutableHashSet<object>> change)
    {
        var value = Materialize(state, holder);
        var index = value.IndexOf(id);
        if (index < 0)
        {
            return false;
        }

        state.Vars[holder] = value.Update(
            ObjSet.Of(id),
            b => b.WithHolders(change(b.Holders ?? ImmutableHashSet.Create<object>(VarKeys, holder))),
            out _);
        return true;
    }

    /// <summary>The local a call's task goes straight into, not awaited yet (`var t = CountAsync(buf.Memory);`), or null.</summary>
    private static ILocalSymbol? RunningTaskLocal(IOperation call)
    {
        var node = call;
        while (node.Parent is IConversionOperation or IParenthesizedOperation)
        {
            node = node.Parent;
        }

        return node.Parent switch
        {
            ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment when ReferenceEquals(assignment.Value, node) => local.Local,
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Symbol: { IsRef: false } declared } } => declared,
            _ => null,
        };
    }

    /// <summary>
    /// A wait for tasks kept in locals, which ends the loan of any view given to them: `await t` (also through
    /// ConfigureAwait), `await Task.WhenAll(a, b)`, `t.Wait()`, `t.Result`, `t.GetAwaiter().GetResult()`, `Task.WaitAll(a, b)`.
    /// </summary>
    private void EndLoans(IOperation waited, OwnershipState state)
    {
        if (_viewEscapeTargets.Count == 0)
        {
            return;
        }

        waited = MethodFacts.Unwrap(waited);
        while (waited is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" or "GetAwaiter" or "AsTask", Instance: { } inner })
        {
            waited = MethodFacts.Unwrap(inner);
        }

        if (waited is ILocalReferenceOperation local)
        {
            ForgetKeptViews(local.Local, state);
        }
        else if (waited is IInvocationOperation { TargetMethod: { IsStatic: true, Name: "WhenAll" or "WaitAll" } } all)
        {
            // However the tasks are passed (params array, span, collection expression), each local among them is waited for.
            foreach (var argument in all.Arguments)
            {
                foreach (var element in argument.Value.DescendantsAndSelf().OfType<ILocalReferenceOperation>())
                {
                    ForgetKeptViews(element.Local, state);
                }
            }
        }
    }

    /// <summary>The variable an acquisition is written to (`var b = pool.Rent()`, `b = await ...`), or null.</summary>
    private static ISymbol? AcquisitionTarget(IOperation site)
    {
        var node = site;
        while (node.Parent is IAwaitOperation or IConversionOperation or IParenthesizedOperation)
        {
            node = node.Parent;
        }

        return node.Parent switch
        {
            ISimpleAssignmentOperation assignment when ReferenceEquals(assignment.Value, node) => MethodFacts.VariableOf(assignment.Target),
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            _ => null,
        };
    }

    /// <summary>
    /// True when a variable other than <paramref name="besides"/> holds <paramref name="id"/>; with
    /// <paramref name="capturesToo"/>, a flow capture (the compiler's temporary) counts as well.
    /// </summary>
    private static bool IsHeld(OwnershipState state, int id, ISymbol? besides = null, bool capturesToo = false)
    {
        foreach (var pair in state.Vars)
        {
            if (pair.Value.Objects.Contains(id)
                && (pair.Key is ISymbol symbol ? besides is null || !SymbolEqualityComparer.Default.Equals(symbol, besides) : capturesToo))
            {
                return true;
            }
        }

        return false;
    }

    private VarValue Create(IObjectCreationOperation creation, OwnershipState state)
    {
        if (Symbols.IsTaskOfOwned(creation.Type))
        {
            // new ValueTask<OwnedBuffer>(buffer): a completed task carrying the value; returning or storing it moves the value.
            return EvaluateArguments(creation.Arguments, state);
        }

        if (creation.Constructor is { } constructor)
        {
            Invoke(creation, constructor, instance: null, creation.Arguments, state);
        }
        else
        {
            foreach (var argument in creation.Arguments)
            {
                Evaluate(argument.Value, state);
            }
        }

        if (creation.Initializer is { } initializer)
        {
            Evaluate(initializer, state);
        }

        return Symbols.IsOwned(creation.Type) ? Acquire(creation, state) : default;
    }

    /// <summary>
    /// The blocking forms of an await, `task.Result` and `task.GetAwaiter().GetResult()` (legacy thread-per-connection
    /// code), acquire the value they read when the task is a call that starts one (through its adapters) or a local
    /// still holding a pending one. A task that came in as a parameter (a continuation's `t`) is not: a Task can be
    /// read any number of times, and its value is whoever started it's to release.
    /// </summary>
    private bool IsBlockingResult(IOperation op, OwnershipState state)
    {
        var task = op switch
        {
            IPropertyReferenceOperation { Property.Name: "Result", Instance: { } instance } when Symbols.IsTaskOfOwned(instance.Type) => instance,
            IInvocationOperation { TargetMethod.Name: "GetResult", Arguments.IsEmpty: true, Instance: IInvocationOperation { TargetMethod.Name: "GetAwaiter", Instance: { } instance } } => instance,
            _ => null,
        };
        if (task is null || !Symbols.IsOwned(op.Type))
        {
            return false;
        }

        task = Adapted(task);
        return task is IInvocationOperation invocation
            ? Symbols.IsTaskOfOwned(invocation.TargetMethod.OriginalDefinition.ReturnType)
            : HoldsPendingTask(task, state);
    }

    private VarValue Await(IAwaitOperation awaitOperation, OwnershipState state)
    {
        var awaited = Evaluate(awaitOperation.Operation, state);
        EndLoans(awaitOperation.Operation, state);
        ReleasePendingTasks(awaited, awaitOperation, state);
        if (Symbols.IsOwned(awaitOperation.Type) && AwaitAcquires(awaitOperation.Operation))
        {
            return Acquire(awaitOperation, state);
        }

        return Symbols.IsView(awaitOperation.Type) ? awaited.AsView(true) : default;
    }

    /// <summary>
    /// The call, when <paramref name="dropped"/> is a call whose declared result is a task of an [Owned] value and its
    /// task is being thrown away: whatever it completes with has no owner. Null otherwise.
    /// </summary>
    private IInvocationOperation? DroppedTaskOfOwned(IOperation dropped) =>
        MethodFacts.Unwrap(dropped) is IInvocationOperation call && Symbols.IsTaskOfOwned(call.TargetMethod.OriginalDefinition.ReturnType)
            ? call
            : null;

    /// <summary>
    /// True when <paramref name="call"/> starts a task of an owned value that goes straight into a local: a call whose
    /// declared result is a task of an [Owned] type, or `AsTask()`/`Preserve()` of one. Awaited at once, or passed on,
    /// it is not: the await acquires the value, the callee or the store owns the task.
    /// </summary>
    private bool StartsPendingTask(IInvocationOperation call, OwnershipState state)
    {
        var carries = Symbols.IsTaskOfOwned(call.TargetMethod.OriginalDefinition.ReturnType)
            || (call.TargetMethod.Name is "AsTask" or "Preserve" && Symbols.IsTaskOfOwned(call.Type) && call.Instance is { } instance
                && (DroppedTaskOfOwned(instance) is not null || HoldsPendingTask(MethodFacts.Unwrap(instance), state)));
        return carries && RunningTaskLocal(call) is not null;
    }

    private bool HoldsPendingTask(IOperation operation, OwnershipState state) =>
        operation is ILocalReferenceOperation local && !PendingTasksIn(ValueOf(state, local.Local).Objects).IsEmpty;

    /// <summary>Those of <paramref name="objects"/> that stand for pending tasks.</summary>
    private ObjSet PendingTasksIn(ObjSet objects)
    {
        var pending = ObjSet.Empty;
        for (var i = 0; i < objects.Count; i++)
        {
            if (_pendingTasks.Contains(objects[i]))
            {
                pending = pending.Union(ObjSet.Of(objects[i]));
            }
        }

        return pending;
    }

    private VarValue AcquirePendingTask(IInvocationOperation call, OwnershipState state)
    {
        var value = Acquire(call, state);
        _pendingTasks.Add(value.Objects[0]);
        return value;
    }

    /// <summary>
    /// A read of a pending task releases it (the await, a return, a store, any call it is given to or made on now
    /// decides), except the reads that only look at it: its completion state, a comparison (`await Task.WhenAny(t,
    /// delay) != t`), or a Task.WhenAny/WhenAll/WaitAny/WaitAll over it, after which it still has to be awaited.
    /// </summary>
    private void ReleasePendingTasks(VarValue value, IOperation reference, OwnershipState state)
    {
        if (_pendingTasks.Count != 0 && !value.Objects.IsEmpty && !OnlyLooksAtTask(reference))
        {
            Escape(PendingTasksIn(value.Objects), state);
        }
    }

    private static bool OnlyLooksAtTask(IOperation reference)
    {
        var node = reference;
        while (node.Parent is { } parent)
        {
            switch (parent)
            {
                case IConversionOperation or IParenthesizedOperation or IArrayInitializerOperation or IArgumentOperation or ICollectionExpressionOperation:
                case IArrayCreationOperation { IsImplicit: true }:
                    node = parent;
                    continue;
                case IPropertyReferenceOperation property when ReferenceEquals(property.Instance, node):
                    return property.Property.Name is "IsCompleted" or "IsCompletedSuccessfully" or "IsFaulted" or "IsCanceled" or "Status" or "Id";
                case IBinaryOperation binary:
                    return binary.OperatorKind is BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals;
                case IInvocationOperation invocation when !ReferenceEquals(invocation.Instance, node):
                    return invocation.TargetMethod is { IsStatic: true, Name: "WhenAny" or "WhenAll" or "WaitAny" or "WaitAll" }
                        && invocation.TargetMethod.ContainingType.ToDisplayString() == "System.Threading.Tasks.Task";
            }

            return false;
        }

        return false;
    }

    // Only a declared [Owned] result hands ownership to the caller: a generic T that happens to be owned
    // (dict.TryGetValue, list.First(), channel reads) is a borrowed or untracked reference. The task's own adapters
    // (ConfigureAwait, AsTask, Preserve, WaitAsync) complete with the same value, so they are looked through.
    private bool AwaitAcquires(IOperation awaited) => Adapted(awaited) switch
    {
        IInvocationOperation invocation => Symbols.IsTaskOfOwned(invocation.TargetMethod.OriginalDefinition.ReturnType),
        ILocalReferenceOperation or IParameterReferenceOperation => true,
        _ => false,
    };

    /// <summary>The task under its adapters (`ConfigureAwait`, `AsTask`, `Preserve`, `WaitAsync`), which complete with its value.</summary>
    private IOperation Adapted(IOperation task)
    {
        task = MethodFacts.Unwrap(task);
        while (task is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" or "AsTask" or "Preserve" or "WaitAsync", Instance: { } inner }
            && Symbols.IsTaskOfOwned(inner.Type))
        {
            task = MethodFacts.Unwrap(inner);
        }

        return task;
    }

    private VarValue Acquire(IOperation site, OwnershipState state, ObjFlags flags = ObjFlags.Live, object? key = null)
    {
        var id = _objects.GetOrAdd(key ?? site, ObjectKind.Acquired, site);
        var previous = StateOf(state, id);
        if (OwnedValueLeakRule.IsLeaked(previous.Flags))
        {
            if (IsHeld(state, id, besides: AcquisitionTarget(site)))
            {
                // The same site acquiring again while a variable still holds the value an earlier iteration acquired
                // there (`prev = cur;`, a carried-over frame): that value lives on as the site's earlier object, so
                // releasing one never counts for the other. If the variable that held it is now overwritten, the
                // overwrite reports it.
                var earlier = _objects.GetOrAdd(("earlier", key ?? site), ObjectKind.Acquired, site);
                state.Objects[earlier] = state.Objects.TryGetValue(earlier, out var before) ? before.Join(previous) : previous;
                foreach (var holder in state.Vars.Where(pair => pair.Value.Objects.Contains(id)).Select(pair => pair.Key).ToList())
                {
                    state.Vars[holder] = state.Vars[holder].Rename(id, earlier);
                }
            }
            else if (Reporting)
            {
                // Nothing holds the previous value any more: an earlier iteration lost it.
                OwnedValueLeakRule.Report(_run, site, OwnedValueLeakRule.AcquiredAgain);
            }
        }

        state.Objects[id] = new ObjState(flags, null, null);
        return new VarValue(ObjSet.Of(id), isView: false);
    }

    /// <summary>
    /// `var (a, b) = (x, y)`, `(a, b) = (b, a)`, `var (frame, kind) = await ReadFrameAsync()`: each target variable
    /// gets the value of its element (an alias), every element being evaluated before any target is written (so a
    /// swap swaps). A call or await whose declared result is a tuple with [Owned] elements acquires one value per
    /// such element.
    /// </summary>
    private void Deconstruct(IDeconstructionAssignmentOperation deconstruction, OwnershipState state)
    {
        var targets = new List<IOperation>();
        Flatten(deconstruction.Target, targets, isTarget: true);
        var value = MethodFacts.Unwrap(deconstruction.Value);
        var elements = new List<IOperation>();
        Flatten(value, elements, isTarget: false);

        var values = new VarValue[targets.Count];
        if (elements.Count == targets.Count && value is ITupleOperation)
        {
            for (var i = 0; i < elements.Count; i++)
            {
                values[i] = Evaluate(elements[i], state).Plain();
            }
        }
        else
        {
            Evaluate(deconstruction.Value, state);
            var owned = Symbols.OwnedTupleElements(value.Type);
            if (owned.Length > 0 && AcquiresTuple(value))
            {
                foreach (var index in owned)
                {
                    if (index < values.Length)
                    {
                        values[index] = Acquire(value, state, key: (value, index));
                    }
                }
            }
        }

        for (var i = 0; i < targets.Count; i++)
        {
            var target = targets[i];
            if (target is IDiscardOperation)
            {
                continue;
            }

            var variable = MethodFacts.VariableOf(target);
            if (variable is null || (target is IMemberReferenceOperation && !_run.Facts.IsTrackedOwner(variable)))
            {
                Escape(values[i].Objects, state);
                continue;
            }

            AssignVariable(variable, values[i], deconstruction, state);
            if (variable is IFieldSymbol or IPropertySymbol || variable is IParameterSymbol { RefKind: not RefKind.None })
            {
                Escape(values[i].Objects, state);
            }
        }
    }

    private static void Flatten(IOperation op, List<IOperation> leaves, bool isTarget)
    {
        op = MethodFacts.Unwrap(op);
        if (isTarget && op is IDeclarationExpressionOperation declaration)
        {
            op = MethodFacts.Unwrap(declaration.Expression);
        }

        if (op is ITupleOperation tuple)
        {
            foreach (var element in tuple.Elements)
            {
                Flatten(element, leaves, isTarget);
            }

            return;
        }

        leaves.Add(op);
    }

    // A declared tuple result (not a generic T) of a call, or of awaiting a call, hands its owned elements over.
    private bool AcquiresTuple(IOperation value)
    {
        value = MethodFacts.Unwrap(value);
        if (value is IAwaitOperation awaitOperation)
        {
            var awaited = MethodFacts.Unwrap(awaitOperation.Operation);
            if (awaited is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } configured })
            {
                awaited = MethodFacts.Unwrap(configured);
            }

            return awaited is IInvocationOperation invocation
                && Symbols.OwnedTupleElements(Symbols.TaskResult(invocation.TargetMethod.OriginalDefinition.ReturnType)).Length > 0;
        }

        return value is IInvocationOperation call && Symbols.OwnedTupleElements(call.TargetMethod.OriginalDefinition.ReturnType).Length > 0;
    }

    private VarValue Invoke(IOperation call, IMethodSymbol method, IOperation? instance, ImmutableArray<IArgumentOperation> arguments, OwnershipState state)
    {
        var isDispose = instance is not null && !method.IsStatic && method.Parameters.IsEmpty
            && method.Name is "Dispose" or "DisposeAsync";

        VarValue receiver = default;
        IOperation? receiverReference = null;
        if (instance is not null)
        {
            if (isDispose && TryPeek(instance, state, out receiver, out var reference))
            {
                receiverReference = reference;
            }
            else
            {
                receiver = Evaluate(instance, state);
            }
        }

        var handoffs = new List<(VarValue Value, IOperation Site, bool IsVariable)>();
        var stored = ObjSet.Empty;
        var firstArgument = default(VarValue);
        var slicedArguments = default(VarValue);
        var storing = StoringMethodNames.Contains(method.Name);
        List<(VarValue Value, IOperation Site)>? lentViews = null;
        foreach (var argument in InEvaluationOrder(arguments))
        {
            var parameter = argument.Parameter;
            if (parameter?.RefKind == RefKind.Out)
            {
                continue;
            }

            if (_run.Summaries.TakesOwnership(parameter))
            {
                if (TryPeek(argument.Value, state, out var peeked, out var reference))
                {
                    handoffs.Add((peeked, reference, true));
                }
                else
                {
                    handoffs.Add((Evaluate(argument.Value, state), argument.Value, false));
                }

                continue;
            }

            var value = Evaluate(argument.Value, state);
            if (parameter?.Ordinal == 0)
            {
                firstArgument = value;
            }

            if (!value.Objects.IsEmpty && !value.IsView && _run.Summaries.ReleasedWhen(parameter) is { } when)
            {
                if (!_conditionalReleases.TryGetValue(call, out var releases))
                {
                    _conditionalReleases[call] = releases = new List<(VarValue, IOperation, bool)>();
                }

                releases.Add((value, argument.Value, when));
            }

            if (parameter is not null && value.IsView && _run.Summaries.ReturnsViewOf(method, parameter.Ordinal))
            {
                // A helper of this compilation that returns a slice of this view argument.
                slicedArguments = slicedArguments.Join(value.Plain());
            }

            if (storing && !value.IsView)
            {
                stored = stored.Union(value.Objects);
            }

            if (value.IsView && !value.Objects.IsEmpty)
            {
                (lentViews ??= new List<(VarValue, IOperation)>()).Add((value, argument.Value));
            }
        }

        if (lentViews is not null && Symbols.IsTask(method.ReturnType) && RunningTaskLocal(call) is { } task)
        {
            // `Task<int> counting = CountAsync(buf.Memory);`: the view is in use until that task is waited for.
            foreach (var (view, site) in lentViews)
            {
                EscapeView(view, site, state, keptBy: task);
            }
        }

        // Ownership moves at the call, after every argument was evaluated, and even if the call throws.
        foreach (var (value, site, isVariable) in handoffs)
        {
            // A variable is looked up again: an earlier argument of this same call may have handed it off.
            var current = isVariable && TryPeek(site, state, out var again, out _) ? again : value;
            Handoff(current, site, isVariable, state);
        }

        if (isDispose)
        {
            Dispose(receiver, receiverReference, call, state);
        }

        if (method.MethodKind == MethodKind.LocalFunction)
        {
            RunFunction(method, state, call);
        }
        else if (method.MethodKind == MethodKind.DelegateInvoke)
        {
            // The functions the delegate holds here (a reassignment dropped the earlier ones) run now.
            for (var i = 0; i < receiver.Objects.Count; i++)
            {
                if (_functions.TryGetValue(receiver.Objects[i], out var function))
                {
                    RunFunction(function, state, call);
                }
            }
        }

        Escape(stored, state);
        if (instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } && !isDispose)
        {
            ForgetMembersOfThis(call, state);
        }

        WriteBack(call, method, arguments, state);

        if (method.MethodKind != MethodKind.Constructor && Symbols.IsOwned(method.ReturnType) && Symbols.IsOwned(method.OriginalDefinition.ReturnType))
        {
            return Acquire(call, state);
        }

        if (Symbols.IsView(method.ReturnType))
        {
            // buf.Memory.Slice(..), buf.AsSpan(): a view of the receiver (or of an extension's `this`).
            var viewed = receiver.Plain().Join(slicedArguments);
            if (method.IsExtensionMethod || method.ReducedFrom is not null)
            {
                viewed = viewed.Join(firstArgument.Plain());
            }

            return viewed.AsView(true);
        }

        return default;
    }

    // A call to another member of this may reassign its fields: what they held is no longer known, so they get
    // fresh values (quiet: no use-after-handoff through a field the callee may have refilled).
    private void ForgetMembersOfThis(IOperation call, OwnershipState state)
    {
        foreach (var member in _objects.InitialSymbols.Concat(state.Vars.Keys.OfType<ISymbol>()).ToList())
        {
            if (member is IFieldSymbol or IPropertySymbol && _run.Facts.IsTrackedOwner(member))
            {
                var id = _objects.GetOrAdd(("refreshed", call, member), ObjectKind.Unknown, call);
                state.Objects[id] = new ObjState(ObjFlags.Live, null, null);
                Rebind(member, new VarValue(ObjSet.Of(id), isView: false), call, state);
            }
        }
    }

    // out arguments are written, and ref arguments rewritten, by the call: both reinitialise the variable.
    private void WriteBack(IOperation call, IMethodSymbol method, ImmutableArray<IArgumentOperation> arguments, OwnershipState state)
    {
        var tryAcquired = ObjSet.Empty;
        foreach (var argument in arguments)
        {
            if (argument.Parameter is not { RefKind: RefKind.Out or RefKind.Ref } parameter)
            {
                continue;
            }

            var target = MethodFacts.Unwrap(argument.Value);
            if (target is IDeclarationExpressionOperation declaration)
            {
                target = MethodFacts.Unwrap(declaration.Expression);
            }

            if (MethodFacts.VariableOf(target) is not { } variable)
            {
                continue;
            }

            var objects = ObjSet.Empty;
            if (parameter.RefKind == RefKind.Out && Symbols.IsOwned(parameter.Type) && Symbols.IsOwned(parameter.OriginalDefinition.Type))
            {
                // TryRent(out var b): b is owned only where the call returned true.
                var conditional = method.ReturnType.SpecialType == SpecialType.System_Boolean;
                objects = Acquire(argument, state, conditional ? ObjFlags.Live | ObjFlags.Unconfirmed : ObjFlags.Live).Objects;
                if (conditional)
                {
                    tryAcquired = tryAcquired.Union(objects);
                }
            }
            else if (_run.Facts.IsTrackedOwner(variable))
            {
                if (parameter.RefKind == RefKind.Ref && Symbols.IsOwned(parameter.Type))
                {
                    // `ref owned`: the callee read the old value and put one back; the old one is the callee's now.
                    Escape(ValueOf(state, variable).Objects, state);
                }

                var id = _objects.GetOrAdd(("written", argument), ObjectKind.Unknown, argument);
                state.Objects[id] = new ObjState(ObjFlags.Live, null, null);
                objects = ObjSet.Of(id);
            }

            Rebind(variable, new VarValue(objects, isView: false), argument, state);
        }

        if (!tryAcquired.IsEmpty)
        {
            _tryOutcomes[call] = tryAcquired;
        }
    }

    private static IEnumerable<IArgumentOperation> InEvaluationOrder(ImmutableArray<IArgumentOperation> arguments)
    {
        // Named arguments may be out of parameter order; C# evaluates them in source order. Arguments the compiler
        // supplies (defaults, empty params arrays) come last.
        var ordered = true;
        for (var i = 1; i < arguments.Length; i++)
        {
            if (arguments[i].IsImplicit || arguments[i - 1].IsImplicit
                || arguments[i].Syntax.SpanStart < arguments[i - 1].Syntax.SpanStart)
            {
                ordered = false;
                break;
            }
        }

        if (ordered)
        {
            return arguments;
        }

        return arguments.Where(a => !a.IsImplicit).OrderBy(a => a.Syntax.SpanStart).Concat(arguments.Where(a => a.IsImplicit));
    }

    private void Handoff(VarValue value, IOperation site, bool isVariable, OwnershipState state, string? name = null)
    {
        if (isVariable && Reporting && !value.Objects.IsEmpty)
        {
            var history = value.History();
            var flags = (history.Flags & ObjFlags.MovedInTry) != 0 ? history.Flags | ObjFlags.Moved : history.Flags;
            DoubleHandoffRule.CheckHandoff(_run, flags, history.MovedAt, history.DisposedAt, site, name);
        }

        for (var i = 0; i < value.Objects.Count; i++)
        {
            var id = value.Objects[i];
            var old = StateOf(state, id);
            ReportEscapedView(id, old.Flags, site, "handed off");
            var flags = (old.Flags & ~(ObjFlags.Live | ObjFlags.Unconfirmed | ObjFlags.Escaped | ObjFlags.Null)) | ObjFlags.Moved;
            state.Objects[id] = new ObjState(flags, site, old.DisposedAt);
        }

        UpdateBindings(state, value, b => b.HandedOff(site));
    }

    // Dispose after Dispose is idempotent; an explicit Dispose after a handoff is a use (BYP001); the implicit
    // Dispose at the end of a using is a no-op after a handoff, so it is never reported.
    private void Dispose(VarValue receiver, IOperation? reference, IOperation call, OwnershipState state)
    {
        if (reference is not null && !call.IsImplicit)
        {
            // Only a handoff on a normal path counts: in a handler the handing-off call itself may have thrown, and
            // Dispose() after a handoff is a no-op.
            var history = receiver.History();
            if ((history.Flags & ObjFlags.Moved) != 0)
            {
                if (Reporting)
                {
                    UseAfterHandoffRule.CheckDispose(_run, history.Flags, history.MovedAt, reference);
                }

                ClearHistory(receiver, state);
            }
        }

        UpdateBindings(state, receiver, b => b.Disposed(call));

        for (var i = 0; i < receiver.Objects.Count; i++)
        {
            var id = receiver.Objects[i];
            var old = StateOf(state, id);
            if ((old.Flags & (ObjFlags.Live | ObjFlags.Unconfirmed | ObjFlags.Escaped)) == 0)
            {
                continue;
            }

            ReportEscapedView(id, old.Flags, call, "disposed");
            var flags = (old.Flags & ~(ObjFlags.Live | ObjFlags.Unconfirmed | ObjFlags.Escaped)) | ObjFlags.Disposed;
            state.Objects[id] = new ObjState(flags, old.MovedAt, old.DisposedAt ?? call);
        }
    }

    /// <summary>The value leaves the body: what it holds is released, and a view of it escapes.</summary>
    public void Return(VarValue value, IOperation site, OwnershipState state)
    {
        EscapeView(value, site, state, keptBy: null);
        Escape(value.Objects, state);
    }

    // A member of this object or its type takes the value: what the member kept before it keeps no more, and a view
    // stored in it escapes.
    private void KeepIn(ISymbol member, VarValue value, IOperation site, OwnershipState state)
    {
        ForgetKeptViews(member, state);
        EscapeView(value, site, state, member);
    }

    // A view of owned objects leaves the body (returned) or is kept by this object or its type (a field or property).
    // The objects are released as the escape always did; releasing them later on the same path is reported then.
    private void EscapeView(VarValue value, IOperation site, OwnershipState state, ISymbol? keptBy)
    {
        if (!value.IsView)
        {
            return;
        }

        for (var i = 0; i < value.Objects.Count; i++)
        {
            var id = value.Objects[i];
            var old = StateOf(state, id);
            if ((old.Flags & ObjFlags.Live) == 0)
            {
                continue;
            }

            state.Objects[id] = old.WithFlags(old.Flags | ObjFlags.ViewEscaped);
            _viewEscapes[id] = _viewEscapes.TryGetValue(id, out var earlier) ? ObjState.Earliest(earlier, site)! : site;
            if (keptBy is not null)
            {
                _viewEscapeTargets[id] = keptBy;
            }
            else
            {
                _viewEscapeTargets.Remove(id);
            }
        }
    }

    /// <summary>True when the escaped view of object <paramref name="id"/> was last lent to a task kept in a local.</summary>
    public bool IsLentToTask(int id) => _viewEscapeTargets.TryGetValue(id, out var target) && target is ILocalSymbol;

    // The member is overwritten: the objects whose escaped view only it kept are no longer at risk on this path.
    private void ForgetKeptViews(ISymbol member, OwnershipState state)
    {
        foreach (var pair in _viewEscapeTargets)
        {
            if (SymbolEqualityComparer.Default.Equals(pair.Value, member)
                && state.Objects.TryGetValue(pair.Key, out var old) && (old.Flags & ObjFlags.ViewEscaped) != 0)
            {
                state.Objects[pair.Key] = old.WithFlags(old.Flags & ~ObjFlags.ViewEscaped);
            }
        }
    }

    // The owner of an escaped view is disposed or handed off (explicitly, or by the using that owns it).
    private void ReportEscapedView(int id, ObjFlags flags, IOperation release, string what)
    {
        if (Reporting && (flags & ObjFlags.ViewEscaped) != 0 && _viewEscapes.TryGetValue(id, out var view))
        {
            _run.Report(ViewOutlivesHandoffRule.Descriptor, view.Syntax.GetLocation(), Text.Name(view), what, Text.Line(release));
        }
    }

    public void Escape(ObjSet objects, OwnershipState state)
    {
        for (var i = 0; i < objects.Count; i++)
        {
            var id = objects[i];
            var old = StateOf(state, id);
            if ((old.Flags & (ObjFlags.Live | ObjFlags.Unconfirmed)) == 0)
            {
                continue;
            }

            var flags = (old.Flags & ~(ObjFlags.Live | ObjFlags.Unconfirmed)) | ObjFlags.Escaped;
            state.Objects[id] = new ObjState(flags, old.MovedAt, old.DisposedAt);
        }
    }

    /// <summary>
    /// Creating a lambda or taking a local function as a delegate. Held by a delegate variable, it runs when that is
    /// called: the value is a function object the variable holds until reassigned. Otherwise (an argument, as to
    /// Task.Run, or stored elsewhere) it may run from now on: what it does to its captures happens here.
    /// </summary>
    private VarValue CreateFunction(IMethodSymbol function, IOperation site, OwnershipState state, IOperation? reportAt)
    {
        if (_run.Facts.IsHeldByDelegate(function))
        {
            var id = _objects.GetOrAdd(("function", function), ObjectKind.Function, site);
            _functions[id] = function;
            CheckCaptures(function, state, reportAt);
            return new VarValue(ObjSet.Of(id), isView: false);
        }

        ApplyEffects(function, state, reportAt);
        return default;
    }

    /// <summary>Calling a local function or a delegate holding a function: its effects on its captures happen at the call.</summary>
    private void RunFunction(IMethodSymbol function, OwnershipState state, IOperation call) => ApplyEffects(function, state, call);

    // Reads of the captures when a held function is created (a capture of a handed-off value is reported there).
    private void CheckCaptures(IMethodSymbol function, OwnershipState state, IOperation? reportAt)
    {
        foreach (var captured in _run.Facts.CapturesOf(function))
        {
            var value = ValueOf(state, captured.Symbol);
            if (!value.Objects.IsEmpty)
            {
                CheckUse(value, state, reportAt ?? captured.FirstReference, nullTest: false);
            }
        }
    }

    /// <summary>
    /// What a function does to the variables it captures, at <paramref name="reportAt"/> (the call) or, for a
    /// lambda passed on, at the reference inside it: a handoff there is a handoff here (BYP002 if already handed
    /// off), a Dispose() there a Dispose() here; any other captured value is read here and escapes into the function.
    /// </summary>
    private void ApplyEffects(IMethodSymbol function, OwnershipState state, IOperation? reportAt)
    {
        foreach (var captured in _run.Facts.CapturesOf(function))
        {
            var value = ValueOf(state, captured.Symbol);
            if (value.Objects.IsEmpty)
            {
                continue;
            }

            var site = reportAt ?? captured.EffectSite;
            if (reportAt is null && captured.Effect != CaptureEffect.None)
            {
                // A lambda passed on: capturing a handed-off value is a read (BYP001 at the capture), then the
                // lambda's handoff or Dispose happens from here on.
                value = CheckUse(value, state, captured.FirstReference, nullTest: false);
            }

            switch (captured.Effect)
            {
                case CaptureEffect.HandsOff when !value.IsView:
                    Handoff(value, site, isVariable: reportAt is not null, state, captured.Symbol.Name);
                    break;
                case CaptureEffect.Disposes when !value.IsView:
                    Dispose(value, reportAt, site, state);
                    break;
                default:
                    CheckUse(value, state, reportAt ?? captured.FirstReference, nullTest: false);
                    if (!value.IsView)
                    {
                        Escape(value.Objects, state);
                    }

                    break;
            }
        }
    }

    // The call a condition tests, under an await and ConfigureAwait (`await TryForwardAsync(buf).ConfigureAwait(false)`).
    private static IOperation ResultOf(IOperation condition)
    {
        var result = MethodFacts.Unwrap(condition);
        if (result is IAwaitOperation awaited)
        {
            result = MethodFacts.Unwrap(awaited.Operation);
        }

        return result is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } configured } ? MethodFacts.Unwrap(configured) : result;
    }

    private void ApplyConditionalReleases(List<(VarValue Value, IOperation Site, bool When)> releases, OwnershipState? onTrue, OwnershipState? onFalse)
    {
        foreach (var (value, site, when) in releases)
        {
            if ((when ? onTrue : onFalse) is { } released)
            {
                Handoff(value, site, isVariable: false, released);
            }
        }
    }

    /// <summary>
    /// The states on the true and false edges of a condition: null tests and TryX calls refine them; a branch flag
    /// whose value the state knows leaves the edge it contradicts null (not taken).
    /// </summary>
    public (OwnershipState? WhenTrue, OwnershipState? WhenFalse) Refine(IOperation condition, OwnershipState state)
    {
        var negated = false;
        var op = condition;
        while (true)
        {
            op = MethodFacts.Unwrap(op);
            if (op is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not)
            {
                negated = !negated;
                op = not.Operand;
                continue;
            }

            break;
        }

        if (Flags.TryEvaluate(op, state, out var flag))
        {
            // A flag's value is known on these paths: the other branch is not taken by them.
            return flag != negated ? (state, null) : (null, state);
        }

        var releases = _conditionalReleases.TryGetValue(ResultOf(op), out var byCall) ? byCall
            : op is ILocalReferenceOperation flagLocal && _releasesByFlag.TryGetValue(flagLocal.Local, out var byFlag) ? byFlag
            : null;
        if (Flags.TrySplit(op, state, out var flagTrue, out var flagFalse))
        {
            // A computed flag's first test: from here each edge knows its value.
            if (releases is not null)
            {
                ApplyConditionalReleases(releases, flagTrue, flagFalse);
            }

            return negated ? (flagFalse, flagTrue) : (flagTrue, flagFalse);
        }

        if (releases is not null)
        {
            // `if (!TryKeep(buf)) buf.Dispose();`: the helper released the value on the outcome its summary says.
            var onTrue = state.Clone();
            ApplyConditionalReleases(releases, onTrue, state);
            return negated ? (state, onTrue) : (onTrue, state);
        }

        ObjSet objects;
        bool trueMeansNull;
        switch (op)
        {
            case IIsNullOperation isNull when TryPeek(isNull.Operand, state, out var tested, out _):
                objects = tested.Objects;
                trueMeansNull = true;
                break;
            case IBinaryOperation binary when NullComparand(binary) is { } compared && TryPeek(compared, state, out var tested, out _):
                objects = tested.Objects;
                trueMeansNull = binary.OperatorKind == BinaryOperatorKind.Equals;
                break;
            case IIsPatternOperation isPattern when TryPeek(isPattern.Value, state, out var tested, out _):
                objects = tested.Objects;
                if (!IsNullPattern(isPattern.Pattern, out trueMeansNull))
                {
                    if (isPattern.Pattern is not (ITypePatternOperation or IDeclarationPatternOperation or IRecursivePatternOperation))
                    {
                        return (state, state.Clone());
                    }

                    trueMeansNull = false;
                }

                break;
            case IInvocationOperation invocation when _tryOutcomes.TryGetValue(invocation, out var acquired):
                objects = acquired;
                trueMeansNull = false;
                break;
            case IPropertyReferenceOperation { Instance: { } instance } ownership when IsOwnershipTest(ownership) && TryPeek(instance, state, out var tested, out _):
                if (tested.Objects.IsEmpty)
                {
                    return (state, state.Clone());
                }

                var (owned, released) = RefineOwnership(tested, state);
                return negated ? (released, owned) : (owned, released);
            default:
                return (state, state.Clone());
        }

        if (objects.IsEmpty)
        {
            return (state, state.Clone());
        }

        var nullSide = state.Clone();
        var valueSide = state;
        for (var i = 0; i < objects.Count; i++)
        {
            var id = objects[i];
            var old = StateOf(state, id);
            nullSide.Objects[id] = new ObjState(ObjFlags.Null, old.MovedAt, old.DisposedAt);
            if ((old.Flags & ObjFlags.Unconfirmed) != 0)
            {
                valueSide.Objects[id] = new ObjState(old.Flags & ~ObjFlags.Unconfirmed, old.MovedAt, old.DisposedAt);
            }
        }

        var (whenTrue, whenFalse) = trueMeansNull ? (nullSide, valueSide) : (valueSide, nullSide);
        return negated ? (whenFalse, whenTrue) : (whenTrue, whenFalse);
    }
}
