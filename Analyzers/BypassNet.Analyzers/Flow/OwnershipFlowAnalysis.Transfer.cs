using System.Collections.Immutable;
using BypassNet.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.Analyzers.Flow;

/// <summary>The transfer function: how each operation reads, hands off, disposes, acquires or stores owned values.</summary>
internal sealed partial class OwnershipFlowAnalysis
{
    // Methods that put their argument into a collection, channel or completion source: the argument's new owner.
    private static readonly ImmutableHashSet<string> StoringMethodNames = ImmutableHashSet.Create(
        "Add", "AddRange", "Insert", "Push", "Enqueue", "TryAdd", "TryEnqueue", "TryPush", "TryWrite", "WriteAsync",
        "Post", "AddOrUpdate", "GetOrAdd", "TryUpdate", "AddLast", "AddFirst", "AddBefore", "AddAfter", "Set", "SetValue",
        "SetResult", "TrySetResult", "Return", "Exchange", "CompareExchange", "Write");

    private OwnershipSymbols Symbols => _run.Symbols;

    /// <summary>Evaluates an operation in evaluation order; the result says which objects its value may be.</summary>
    private VarValue Evaluate(IOperation op, OwnershipState state)
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
            case ISimpleAssignmentOperation assignment:
                return Assign(assignment, state);
            case IInvocationOperation invocation:
                return Invoke(invocation, invocation.TargetMethod, invocation.Instance, invocation.Arguments, state);
            case IObjectCreationOperation creation:
                return Create(creation, state);
            case IAwaitOperation awaitOperation:
                return Await(awaitOperation, state);
            case IReturnOperation { ReturnedValue: { } returned }:
                Escape(Evaluate(returned, state).Objects, state);
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
                if (_reporting)
                {
                    _lambdas.Add(lambda);
                }

                UseCaptures(lambda.Symbol, state, reportAt: null);
                return default;
            case IMethodReferenceOperation { Method.MethodKind: MethodKind.LocalFunction } reference:
                UseCaptures(reference.Method, state, reportAt: reference);
                return default;
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
        return Symbols.IsView(op.Type) ? new VarValue(children.Objects, isView: true) : default;
    }

    private VarValue EvaluateChildren(IOperation op, OwnershipState state)
    {
        var objects = ObjSet.Empty;
        foreach (var child in op.ChildOperations)
        {
            objects = objects.Union(Evaluate(child, state).Objects);
        }

        return new VarValue(objects, isView: false);
    }

    private VarValue ReadVariable(ISymbol variable, IOperation reference, OwnershipState state, bool nullTest)
    {
        var value = ValueOf(state, variable);

        // Compiler-generated reads (the using's Dispose and null test, foreach plumbing) are not the user's uses.
        if (!reference.IsImplicit)
        {
            CheckUse(value.Objects, value.IsView, state, reference, nullTest);
        }

        return value;
    }

    /// <summary>Reports a read of objects that may have been handed off (or disposed, except for a null test).</summary>
    private void CheckUse(ObjSet objects, bool isView, OwnershipState state, IOperation reference, bool nullTest)
    {
        if (!_reporting || objects.IsEmpty)
        {
            return;
        }

        var (flags, moved, disposed) = Summarize(objects, state);
        ReportUse(flags, moved, disposed, isView, reference, nullTest);
    }

    private void ReportUse(ObjFlags flags, IOperation? moved, IOperation? disposed, bool isView, IOperation reference, bool nullTest)
    {
        if (!_reporting)
        {
            return;
        }

        if (isView)
        {
            ViewOutlivesHandoffRule.CheckRead(_run, flags, moved, disposed, reference, nullTest);
        }
        else
        {
            UseAfterHandoffRule.CheckRead(_run, UseAfterHandoffRule.Descriptor, flags, moved, disposed, reference, nullTest);
        }
    }

    private (ObjFlags Flags, IOperation? Moved, IOperation? Disposed) Summarize(ObjSet objects, OwnershipState state)
    {
        var flags = ObjFlags.None;
        IOperation? moved = null;
        IOperation? disposed = null;
        for (var i = 0; i < objects.Count; i++)
        {
            var objState = StateOf(state, objects[i]);
            flags |= objState.Flags;
            moved = ObjState.Earliest(moved, objState.MovedAt);
            disposed = ObjState.Earliest(disposed, objState.DisposedAt);
        }

        return (flags, moved, disposed);
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
            var (flags, moved, disposed) = Summarize(value.Objects, state);
            var site = (flags & ObjFlags.Moved) != 0 ? moved : disposed;
            state.Vars[capture.Id] = new VarValue(value.Objects, value.IsView, flags & (ObjFlags.Moved | ObjFlags.Disposed), site, isVariableRead: true);
            return;
        }

        var evaluated = Evaluate(capture.Value, state);
        state.Vars[capture.Id] = new VarValue(evaluated.Objects, evaluated.IsView);
    }

    private VarValue ReadCapture(IFlowCaptureReferenceOperation reference, OwnershipState state, bool nullTest)
    {
        var value = ValueOf(state, reference.Id);
        if (value.IsVariableRead)
        {
            var moved = (value.ReadFlags & ObjFlags.Moved) != 0 ? value.ReadSite : null;
            ReportUse(value.ReadFlags, moved, value.ReadSite, value.IsView, reference, nullTest);
        }

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
            // The compiler's own null test of a capture (?., ??, using) is not a use; an explicit one was judged
            // when the variable was captured... only if it is consumed, so judge it here as a null test.
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
            AssignVariable(declared, value.Objects, isPattern, state);
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
        var target = assignment.Target;
        if (target is IDiscardOperation)
        {
            // `_ = pool.Rent();` drops the value: it stays live and leaks.
            return Evaluate(assignment.Value, state);
        }

        var variable = MethodFacts.VariableOf(target);
        if (variable is null || (target is IMemberReferenceOperation && !_run.Facts.IsTrackedOwner(variable)))
        {
            // A store anywhere else (another object's field, an array element, an indexer): the store owns it.
            EvaluateChildren(target, state);
            var stored = Evaluate(assignment.Value, state);
            Escape(stored.Objects, state);
            return stored;
        }

        var value = Evaluate(assignment.Value, state);
        var objects = IsNullConstant(assignment.Value)
            ? ObjSet.Empty
            : AssignVariable(variable, value.Objects, assignment, state);
        if (objects.IsEmpty)
        {
            state.Vars[variable] = new VarValue(objects, Symbols.IsView(MethodFacts.TypeOf(variable)));
        }
        if (variable is IFieldSymbol or IPropertySymbol
            || variable is IParameterSymbol { RefKind: not RefKind.None }
            || variable is ILocalSymbol { IsRef: true })
        {
            // Stored into a field of this or through a ref/out parameter: owned by the object or the caller now.
            Escape(value.Objects, state);
        }

        return new VarValue(objects, value.IsView);
    }

    /// <summary>Points a variable at the assigned objects; a tracked owner assigned from something untracked gets a fresh object.</summary>
    private ObjSet AssignVariable(ISymbol variable, ObjSet objects, IOperation site, OwnershipState state)
    {
        if (objects.IsEmpty && _run.Facts.IsTrackedOwner(variable))
        {
            // Reinitialised from something we do not track: a fresh owned value, not one this body acquired.
            var id = _objects.GetOrAdd(("assigned", site), ObjectKind.Unknown, site);
            state.Objects[id] = new ObjState(ObjFlags.Live, null, null);
            objects = ObjSet.Of(id);
        }

        state.Vars[variable] = new VarValue(objects, Symbols.IsView(MethodFacts.TypeOf(variable)));
        return objects;
    }

    private VarValue Create(IObjectCreationOperation creation, OwnershipState state)
    {
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

    private VarValue Await(IAwaitOperation awaitOperation, OwnershipState state)
    {
        var awaited = Evaluate(awaitOperation.Operation, state);
        if (Symbols.IsOwned(awaitOperation.Type))
        {
            return Acquire(awaitOperation, state);
        }

        return Symbols.IsView(awaitOperation.Type) ? new VarValue(awaited.Objects, isView: true) : default;
    }

    private VarValue Acquire(IOperation site, OwnershipState state, ObjFlags flags = ObjFlags.Live)
    {
        var id = _objects.GetOrAdd(site, ObjectKind.Acquired, site);

        // The same site acquiring again while the previous value is still live: an earlier iteration leaked it.
        if (_reporting && OwnedValueLeakRule.IsLeaked(StateOf(state, id).Flags))
        {
            OwnedValueLeakRule.Report(_run, site);
        }

        state.Objects[id] = new ObjState(flags, null, null);
        return new VarValue(ObjSet.Of(id), isView: false);
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
        var firstArgument = ObjSet.Empty;
        var storing = StoringMethodNames.Contains(method.Name);
        foreach (var argument in InEvaluationOrder(arguments))
        {
            var parameter = argument.Parameter;
            if (parameter?.RefKind == RefKind.Out)
            {
                continue;
            }

            if (Symbols.TakesOwnership(parameter))
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
                firstArgument = value.Objects;
            }

            if (storing && !value.IsView)
            {
                stored = stored.Union(value.Objects);
            }
        }

        // Ownership moves at the call, after every argument was evaluated, and even if the call throws.
        foreach (var (value, site, isVariable) in handoffs)
        {
            Handoff(value, site, isVariable, state);
        }

        if (isDispose)
        {
            Dispose(receiver, receiverReference, call, state);
        }

        if (method.MethodKind == MethodKind.LocalFunction)
        {
            UseCaptures(method, state, reportAt: call);
        }
        else if (method.MethodKind == MethodKind.DelegateInvoke && instance is not null
            && MethodFacts.Unwrap(instance) is ILocalReferenceOperation delegateLocal)
        {
            foreach (var function in _run.Facts.FunctionsHeldBy(delegateLocal.Local))
            {
                UseCaptures(function, state, reportAt: call);
            }
        }

        Escape(stored, state);
        WriteBack(call, method, arguments, state);

        if (Symbols.IsOwned(method.ReturnType) && method.MethodKind != MethodKind.Constructor)
        {
            return Acquire(call, state);
        }

        if (Symbols.IsView(method.ReturnType))
        {
            // buf.Memory.Slice(..), buf.AsSpan(): a view of the receiver (or of an extension's `this`).
            var viewed = receiver.Objects;
            if (method.IsExtensionMethod || method.ReducedFrom is not null)
            {
                viewed = viewed.Union(firstArgument);
            }

            return new VarValue(viewed, isView: true);
        }

        return default;
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
            if (parameter.RefKind == RefKind.Out && Symbols.IsOwned(parameter.Type))
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
                var id = _objects.GetOrAdd(("written", argument), ObjectKind.Unknown, argument);
                state.Objects[id] = new ObjState(ObjFlags.Live, null, null);
                objects = ObjSet.Of(id);
            }

            state.Vars[variable] = new VarValue(objects, Symbols.IsView(MethodFacts.TypeOf(variable)));
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

    private void Handoff(VarValue value, IOperation site, bool isVariable, OwnershipState state)
    {
        if (isVariable && _reporting && !value.Objects.IsEmpty)
        {
            var (flags, moved, disposed) = Summarize(value.Objects, state);
            DoubleHandoffRule.CheckHandoff(_run, flags, moved, disposed, site);
        }

        for (var i = 0; i < value.Objects.Count; i++)
        {
            var id = value.Objects[i];
            var old = StateOf(state, id);
            var flags = (old.Flags & ~(ObjFlags.Live | ObjFlags.Unconfirmed | ObjFlags.Escaped | ObjFlags.Null)) | ObjFlags.Moved;
            state.Objects[id] = new ObjState(flags, site, old.DisposedAt);
        }
    }

    // Dispose after Dispose is idempotent; an explicit Dispose after a handoff is a use (BYP001); the implicit
    // Dispose at the end of a using is a no-op after a handoff, so it is never reported.
    private void Dispose(VarValue receiver, IOperation? reference, IOperation call, OwnershipState state)
    {
        if (reference is not null && !call.IsImplicit)
        {
            if (_reporting)
            {
                var (flags, moved, _) = Summarize(receiver.Objects, state);
                UseAfterHandoffRule.CheckDispose(_run, flags, moved, reference);
            }
        }

        for (var i = 0; i < receiver.Objects.Count; i++)
        {
            var id = receiver.Objects[i];
            var old = StateOf(state, id);
            if ((old.Flags & (ObjFlags.Live | ObjFlags.Unconfirmed | ObjFlags.Escaped)) == 0)
            {
                continue;
            }

            var flags = (old.Flags & ~(ObjFlags.Live | ObjFlags.Unconfirmed | ObjFlags.Escaped)) | ObjFlags.Disposed;
            state.Objects[id] = new ObjState(flags, old.MovedAt, old.DisposedAt ?? call);
        }
    }

    private void Escape(ObjSet objects, OwnershipState state)
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
    /// Creating a lambda, or calling or taking a local function, reads every variable it captures. Reported at the
    /// read inside the lambda when it is created, at the call otherwise. The captured values escape into it.
    /// </summary>
    private void UseCaptures(IMethodSymbol function, OwnershipState state, IOperation? reportAt)
    {
        foreach (var captured in _run.Facts.CapturesOf(function))
        {
            var value = ValueOf(state, captured.Symbol);
            if (value.Objects.IsEmpty)
            {
                continue;
            }

            CheckUse(value.Objects, value.IsView, state, reportAt ?? captured.FirstReference, nullTest: false);
            if (!value.IsView)
            {
                Escape(value.Objects, state);
            }
        }
    }

    /// <summary>The states on the true and false edges of a condition: null tests and TryX calls refine them.</summary>
    private (OwnershipState WhenTrue, OwnershipState WhenFalse) Refine(IOperation condition, OwnershipState state)
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
