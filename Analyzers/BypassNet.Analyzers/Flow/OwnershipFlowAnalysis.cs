// Over 300 lines on purpose: the fixpoint and its exceptional control flow (try, catch, finally replay) are one algorithm whose invariants are checked together.
using BypassNet.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.Analyzers.Flow;

/// <summary>
/// The ownership dataflow shared by all rules: a forward may-analysis over the basic blocks of a Roslyn control
/// flow graph, iterated to a fixpoint, then one reporting pass. Exceptional control flow is modelled as "any state
/// inside a try may reach its catch and finally handlers"; a branch that runs finally blocks on its way out has
/// its own state pushed through them, so paths that only meet in a finally are not merged afterwards.
/// Paths that end by throwing never reach the exit, so they are not leak paths (like Rust's drop on unwind).
/// </summary>
internal sealed class OwnershipFlowAnalysis : IStateDefaults
{
    private const int MaxRounds = 64;

    private readonly ControlFlowGraph _cfg;
    private readonly ISymbol _owner;
    private readonly AnalysisRun _run;
    private readonly ObjectRegistry _objects = new();
    private readonly StateSet?[] _inputs;
    private readonly Dictionary<ControlFlowRegion, StateSet> _tryStates = new();
    private readonly Dictionary<ControlFlowRegion, StateSet> _finallyEntries = new();
    private readonly Dictionary<int, List<ControlFlowRegion>> _handlerTries = new();
    private readonly Dictionary<int, ControlFlowRegion> _finallyStarts = new();
    private readonly OperationTransfer _transfer;
    private readonly Dictionary<int, VarValue> _initialValues = new();
    private readonly bool[] _dirty;
    private readonly Dictionary<ControlFlowRegion, List<int>> _handlerStartsOfTry = new();
    private readonly Dictionary<ControlFlowRegion, Microsoft.CodeAnalysis.Text.TextSpan> _trySpans = new();
    private bool _changed;
    private bool _accumulating;

    private OwnershipFlowAnalysis(ControlFlowGraph cfg, ISymbol owner, AnalysisRun run)
    {
        _cfg = cfg;
        _owner = owner;
        _run = run;
        _inputs = new StateSet?[cfg.Blocks.Length];
        _dirty = new bool[cfg.Blocks.Length];
        var captures = CaptureTargets.Of(cfg);
        _transfer = new OperationTransfer(run, _objects, this) { Flags = BranchFlags.Find(cfg, captures, IsTrackedType), Captures = captures };
        IndexRegions(cfg.Root);
    }

    private OwnershipSymbols Symbols => _run.Symbols;

    /// <summary>Analyzes one method body (and its lambdas and local functions) and returns the findings of all rules.</summary>
    public static IReadOnlyList<Diagnostic> Run(
        IOperation body,
        ISymbol owner,
        OwnershipSymbols symbols,
        MethodSummaries summaries,
        Func<IOperation, ControlFlowGraph> getGraph,
        CancellationToken cancellationToken)
    {
        var facts = MethodFacts.Gather(body, symbols, summaries.TakesOwnership);
        if (!facts.IsRelevant)
        {
            return Array.Empty<Diagnostic>();
        }

        var run = new AnalysisRun(symbols, summaries, facts, cancellationToken);
        var cfg = getGraph(body);
        run.CancellationToken.ThrowIfCancellationRequested();
        var analysis = new OwnershipFlowAnalysis(cfg, owner, run);
        analysis.Solve();

        // The body's own fixpoint is its summary too: offered to the cache, so no second analysis computes it.
        if (owner is IMethodSymbol method && body.Kind is OperationKind.MethodBody or OperationKind.ConstructorBody)
        {
            summaries.Offer(method, body, () => (analysis.Released(method), analysis.ReleasedWhen(method)));
        }

        analysis.ReportAndAnalyzeNested();
        return run.Diagnostics;
    }

    /// <summary>
    /// For a method's summary: per parameter, whether it is an owned parameter that every path returning normally
    /// has released (disposed, handed off, stored or returned), and for a method returning bool, whether it releases
    /// it exactly on the paths that return true (or false), see <see cref="ReleasedWhen"/>. Nothing is reported.
    /// </summary>
    public static (bool[] Released, bool?[] ReleasedWhen) ReleasedParameters(ControlFlowGraph cfg, IOperation body, IMethodSymbol method, OwnershipSymbols symbols, MethodSummaries summaries)
    {
        var facts = MethodFacts.Gather(body, symbols, summaries.TakesOwnership);
        if (!facts.IsRelevant)
        {
            return (new bool[method.Parameters.Length], new bool?[method.Parameters.Length]);
        }

        var analysis = new OwnershipFlowAnalysis(cfg, method, new AnalysisRun(symbols, summaries, facts, CancellationToken.None, silent: true));
        analysis.Solve();
        return (analysis.Released(method), analysis.ReleasedWhen(method));
    }

    // After Solve: per parameter, an owned parameter no path reaching the exit still owns.
    private bool[] Released(IMethodSymbol method)
    {
        var result = new bool[method.Parameters.Length];
        if (_inputs[_cfg.Blocks.Length - 1] is not { } exitSet)
        {
            return result;
        }

        var exit = exitSet.Merged(this);

        foreach (var parameter in method.Parameters)
        {
            if (Symbols.IsUndeclaredOwnedParameter(parameter))
            {
                var id = _objects.GetOrAdd(parameter, ObjectKind.Initial, null);
                result[parameter.Ordinal] = (StateOf(exit, id).Flags & ObjFlags.Live) == 0;
            }
        }

        return result;
    }

    /// <summary>
    /// After Solve, for a method returning bool (or a task of one) whose every return is a constant: per owned
    /// parameter, true when every path returning true has released it and every path returning false still owns it
    /// (`if (!TryKeep(buf)) buf.Dispose();`), false for the reverse, null otherwise.
    /// </summary>
    private bool?[] ReleasedWhen(IMethodSymbol method)
    {
        var result = new bool?[method.Parameters.Length];
        if (!ReturnsBool(method))
        {
            return result;
        }

        var returns = new List<(bool Value, OwnershipState State)>();
        foreach (var block in _cfg.Blocks)
        {
            if (block.FallThroughSuccessor is not { Semantics: ControlFlowBranchSemantics.Return } exit || InputOf(block) is not { } input)
            {
                continue;
            }

            // A return through a finally, or of a computed value, leaves the outcome unknown here.
            if (!exit.FinallyRegions.IsEmpty || block.BranchValue?.ConstantValue is not { HasValue: true, Value: bool value })
            {
                return result;
            }

            foreach (var part in input.Parts)
            {
                foreach (var (branch, state) in Transfer(block, part))
                {
                    if (ReferenceEquals(branch, exit))
                    {
                        returns.Add((value, state));
                    }
                }
            }
        }

        foreach (var parameter in method.Parameters)
        {
            if (!Symbols.IsUndeclaredOwnedParameter(parameter))
            {
                continue;
            }

            var id = _objects.GetOrAdd(parameter, ObjectKind.Initial, null);
            foreach (var when in new[] { true, false })
            {
                bool releasedWhen = false, ownedOtherwise = false, contradicted = false;
                foreach (var (value, state) in returns)
                {
                    var flags = StateOf(state, id).Flags;
                    var owned = (flags & ObjFlags.Live) != 0 && (flags & (ObjFlags.Moved | ObjFlags.Disposed | ObjFlags.Escaped | ObjFlags.MovedInTry)) == 0;
                    var released = (flags & ObjFlags.Live) == 0;
                    contradicted |= value == when ? !released : !owned;
                    releasedWhen |= value == when;
                    ownedOtherwise |= value != when;
                }

                if (releasedWhen && ownedOtherwise && !contradicted)
                {
                    result[parameter.Ordinal] = when;
                }
            }
        }

        return result;
    }

    private bool ReturnsBool(IMethodSymbol method) =>
        method.ReturnType.SpecialType == SpecialType.System_Boolean
        || (method.IsAsync && Symbols.TaskResult(method.ReturnType)?.SpecialType == SpecialType.System_Boolean);

    private static void AnalyzeGraph(ControlFlowGraph cfg, ISymbol owner, AnalysisRun run)
    {
        run.CancellationToken.ThrowIfCancellationRequested();
        var analysis = new OwnershipFlowAnalysis(cfg, owner, run);
        analysis.Solve();
        analysis.ReportAndAnalyzeNested();
    }

    private void ReportAndAnalyzeNested()
    {
        Report();

        // Lambdas and local functions are separate bodies: what they capture starts out owned there.
        foreach (var localFunction in _cfg.LocalFunctions)
        {
            AnalyzeGraph(_cfg.GetLocalFunctionControlFlowGraph(localFunction, _run.CancellationToken), localFunction, _run);
        }

        foreach (var lambda in _transfer.Lambdas)
        {
            AnalyzeGraph(_cfg.GetAnonymousFunctionControlFlowGraph(lambda, _run.CancellationToken), lambda.Symbol, _run);
        }
    }

    // A worklist in block order: a block runs again only when its input (or the try state its handler
    // depends on) grew; the cap guards against a non-terminating join, which the finite lattice rules out.
    private void Solve()
    {
        var entry = OwnershipState.CreateEmpty();
        entry.FlagBits = _transfer.Flags.InitialBits;
        _inputs[0] = StateSet.Of(entry);
        _dirty[0] = true;
        _accumulating = true;
        for (var round = 0; round < MaxRounds; round++)
        {
            _changed = false;
            foreach (var block in _cfg.Blocks)
            {
                if (!_dirty[block.Ordinal])
                {
                    continue;
                }

                _dirty[block.Ordinal] = false;
                var input = InputOf(block);
                if (input is null)
                {
                    continue;
                }

                // By index over the parts there are now: a block that branches to itself may add one (another flag
                // value) while it runs; the block is dirty again then and takes it next round.
                for (int i = 0, parts = input.Parts.Count; i < parts; i++)
                {
                    foreach (var (branch, state) in Transfer(block, input.Parts[i]))
                    {
                        Propagate(branch, state);
                    }
                }
            }

            if (!_changed)
            {
                break;
            }

            _run.CancellationToken.ThrowIfCancellationRequested();
        }

        _accumulating = false;
    }

    private void Report()
    {
        _transfer.Reporting = true;
        foreach (var block in _cfg.Blocks)
        {
            var input = InputOf(block);
            foreach (var part in input?.Parts ?? Array.Empty<OwnershipState>())
            {
                Transfer(block, part);
            }
        }

        _transfer.Reporting = false;
        if (_inputs[_cfg.Blocks.Length - 1] is not { } exitSet)
        {
            return;
        }

        var exit = exitSet.Merged(this);

        for (var id = 0; id < _objects.Count; id++)
        {
            var info = _objects[id];
            var objState = StateOf(exit, id);
            if (info.Kind == ObjectKind.Acquired && OwnedValueLeakRule.IsLeaked(objState.Flags))
            {
                OwnedValueLeakRule.Report(_run, info.Site!, OwnedValueLeakRule.Where(objState.LostAt));
            }
        }
    }

    private StateSet? InputOf(BasicBlock block)
    {
        var input = _inputs[block.Ordinal];
        var handlerStart = _handlerTries.TryGetValue(block.Ordinal, out var tries);
        var finallyStart = _finallyStarts.TryGetValue(block.Ordinal, out var finallyRegion);
        if (!handlerStart && !finallyStart)
        {
            return input;
        }

        var joined = input?.Clone();
        if (handlerStart)
        {
            foreach (var tryRegion in tries!)
            {
                if (_tryStates.TryGetValue(tryRegion, out var tryState))
                {
                    joined = JoinInto(joined, tryState.Select(part => WithoutLeakDuty(part, tryRegion)));
                }
            }
        }

        if (finallyStart && _finallyEntries.TryGetValue(finallyRegion!, out var entry))
        {
            joined = JoinInto(joined, entry);
        }

        return joined;
    }

    // A handler is entered because something threw; whether it threw before a live value's release is a guess,
    // so values still live there are not blamed for leaking along the handler (quiet, like drop on unwind).
    // Handoff and dispose history is kept: a use in the handler after a handoff in the try is still reported.
    // A handoff seen only through the try state becomes MovedInTry: the handing-off call may be what threw.
    // No guess is needed for a value acquired before the try and owned at every point of it (never handed off,
    // disposed, stored or tested there): whatever threw, the handler still owns it, so a catch that returns or
    // falls through without releasing it leaks it, and it keeps its duty.
    private OwnershipState WithoutLeakDuty(OwnershipState state, ControlFlowRegion tryRegion)
    {
        var copy = state.Clone();
        foreach (var pair in state.Objects)
        {
            var value = pair.Value;
            if ((value.Flags & ObjFlags.ViewEscaped) != 0 && _transfer.IsLentToTask(pair.Key))
            {
                // A view lent to a task still running when something threw: quiet, like a leak on unwind.
                value = value.WithFlags(value.Flags & ~ObjFlags.ViewEscaped);
                copy.Objects[pair.Key] = value;
            }

            var info = _objects[pair.Key];
            if (info.Kind == ObjectKind.Acquired && (value.Flags & ObjFlags.Live) != 0
                && !(value.Flags == ObjFlags.Live && info.Site is { } site && !SpanOf(tryRegion).Contains(site.Syntax.SpanStart)))
            {
                var flags = (value.Flags & ~(ObjFlags.Live | ObjFlags.Unconfirmed)) | ObjFlags.Escaped;
                copy.Objects[pair.Key] = new ObjState(flags, value.MovedAt, value.DisposedAt);
            }
        }

        foreach (var pair in state.Vars)
        {
            if (pair.Value.HasHistory(ObjFlags.Moved))
            {
                copy.Vars[pair.Key] = pair.Value.Update(
                    pair.Value.Objects,
                    b => (b.Flags & ObjFlags.Moved) != 0 ? b.WithFlags((b.Flags & ~ObjFlags.Moved) | ObjFlags.MovedInTry) : b,
                    out _);
            }
        }

        return copy;
    }

    // The source text a try region's blocks cover: an acquisition inside it may be what threw.
    private Microsoft.CodeAnalysis.Text.TextSpan SpanOf(ControlFlowRegion tryRegion)
    {
        if (_trySpans.TryGetValue(tryRegion, out var span))
        {
            return span;
        }

        int start = int.MaxValue, end = int.MinValue;
        for (var ordinal = tryRegion.FirstBlockOrdinal; ordinal <= tryRegion.LastBlockOrdinal; ordinal++)
        {
            var block = _cfg.Blocks[ordinal];
            foreach (var operation in block.BranchValue is null ? block.Operations : block.Operations.Add(block.BranchValue))
            {
                start = Math.Min(start, operation.Syntax.SpanStart);
                end = Math.Max(end, operation.Syntax.Span.End);
            }
        }

        span = start <= end ? Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(start, end) : default;
        _trySpans[tryRegion] = span;
        return span;
    }

    private StateSet JoinInto(StateSet? target, StateSet source)
    {
        if (target is null)
        {
            return source.Clone();
        }

        target.Join(source, this);
        return target;
    }

    private void Propagate(ControlFlowBranch branch, OwnershipState state)
    {
        StateSet? current = StateSet.Of(state);
        foreach (var finallyRegion in branch.FinallyRegions)
        {
            if (JoinAccumulated(_finallyEntries, finallyRegion, current))
            {
                _dirty[finallyRegion.FirstBlockOrdinal] = true;
            }

            current = RunFinally(finallyRegion, current);
            if (current is null)
            {
                return;
            }
        }

        if (branch.Destination is { } destination)
        {
            if (destination.Kind == BasicBlockKind.Exit)
            {
                current = current.Select(part => MarkLostAtExit(branch, part));
            }

            var existing = _inputs[destination.Ordinal];
            if (existing is null)
            {
                _inputs[destination.Ordinal] = current.Clone();
                _changed = true;
                _dirty[destination.Ordinal] = true;
            }
            else if (existing.Join(current, this))
            {
                _changed = true;
                _dirty[destination.Ordinal] = true;
            }
        }
    }

    // Values still owned when a path leaves the body are lost where it leaves: the return, or the last statement.
    private OwnershipState MarkLostAtExit(ControlFlowBranch branch, OwnershipState state)
    {
        var source = branch.Source;
        var site = source.BranchValue ?? (source.Operations.Length > 0 ? source.Operations[source.Operations.Length - 1] : null);
        if (site is null)
        {
            return state;
        }

        var passedOut = HeldByOutParameters(state);
        OwnershipState? copy = null;
        foreach (var pair in state.Objects)
        {
            if (_objects[pair.Key].Kind != ObjectKind.Acquired || !OwnedValueLeakRule.IsLeaked(pair.Value.Flags))
            {
                continue;
            }

            if (passedOut.Contains(pair.Key))
            {
                // Acquired straight into an out or ref parameter (pool.TryRent(out taken)) and still there: the caller's.
                copy ??= state.Clone();
                copy.Objects[pair.Key] = pair.Value.WithFlags((pair.Value.Flags & ~ObjFlags.Live) | ObjFlags.Escaped);
            }
            else if (pair.Value.LostAt is null)
            {
                copy ??= state.Clone();
                copy.Objects[pair.Key] = pair.Value.WithLostAt(site);
            }
        }

        return copy ?? state;
    }

    /// <summary>The objects the body's own out and ref parameters hold in <paramref name="state"/>.</summary>
    private ObjSet HeldByOutParameters(OwnershipState state)
    {
        var result = ObjSet.Empty;
        if (_owner is IMethodSymbol method)
        {
            foreach (var parameter in method.Parameters)
            {
                if (parameter.RefKind is RefKind.Out or RefKind.Ref && state.Vars.TryGetValue(parameter, out var value))
                {
                    result = result.Union(value.Objects);
                }
            }
        }

        return result;
    }

    private bool JoinAccumulated(Dictionary<ControlFlowRegion, StateSet> map, ControlFlowRegion region, OwnershipState state)
    {
        if (!map.TryGetValue(region, out var existing))
        {
            map[region] = StateSet.Of(state);
            _changed = true;
            return true;
        }

        if (existing.Join(state, this))
        {
            _changed = true;
            return true;
        }

        return false;
    }

    private bool JoinAccumulated(Dictionary<ControlFlowRegion, StateSet> map, ControlFlowRegion region, StateSet state)
    {
        var changed = false;
        foreach (var part in state.Parts)
        {
            changed |= JoinAccumulated(map, region, part);
        }

        return changed;
    }

    /// <summary>
    /// Pushes one path's state through a finally region and returns the state after it (null if the finally
    /// never completes normally). Silent: the finally's blocks are reported once, from their joined input.
    /// </summary>
    private StateSet? RunFinally(ControlFlowRegion region, StateSet entry)
    {
        var savedReporting = _transfer.Reporting;
        var savedAccumulating = _accumulating;
        var savedChanged = _changed;
        _transfer.Reporting = false;
        _accumulating = false;
        try
        {
            var local = new Dictionary<int, StateSet> { [region.FirstBlockOrdinal] = entry.Clone() };
            StateSet? result = null;
            for (var round = 0; round < MaxRounds; round++)
            {
                var changed = false;
                for (var ordinal = region.FirstBlockOrdinal; ordinal <= region.LastBlockOrdinal; ordinal++)
                {
                    if (!local.TryGetValue(ordinal, out var input))
                    {
                        continue;
                    }

                    // A snapshot, as in Solve: a block of the finally that loops to itself may add a part while it runs.
                    foreach (var (branch, state) in input.Parts.ToArray().SelectMany(part => Transfer(_cfg.Blocks[ordinal], part)))
                    {
                        StateSet? current = StateSet.Of(state);
                        foreach (var inner in branch.FinallyRegions)
                        {
                            current = current is null ? null : RunFinally(inner, current);
                        }

                        if (current is null)
                        {
                            continue;
                        }

                        var destination = branch.Destination?.Ordinal ?? -1;
                        if (destination >= region.FirstBlockOrdinal && destination <= region.LastBlockOrdinal)
                        {
                            if (!local.TryGetValue(destination, out var existing))
                            {
                                local[destination] = current.Clone();
                                changed = true;
                            }
                            else if (existing.Join(current, this))
                            {
                                changed = true;
                            }
                        }
                        else
                        {
                            result = JoinInto(result, current);
                        }
                    }
                }

                if (!changed)
                {
                    break;
                }
            }

            return result;
        }
        finally
        {
            _transfer.Reporting = savedReporting;
            _accumulating = savedAccumulating;
            _changed = savedChanged;
        }
    }

    /// <summary>Runs one basic block; returns the state on each outgoing branch.</summary>
    private List<(ControlFlowBranch Branch, OwnershipState State)> Transfer(BasicBlock block, OwnershipState input)
    {
        var state = input.Clone();
        _transfer.BeginBlock();
        var tries = _accumulating ? EnclosingTries(block) : null;
        Accumulate(tries, state);
        foreach (var operation in block.Operations)
        {
            _transfer.Evaluate(operation, state);
            Accumulate(tries, state);
        }

        var result = new List<(ControlFlowBranch, OwnershipState)>(2);
        if (block.ConditionKind != ControlFlowConditionKind.None && block.BranchValue is { } condition)
        {
            _transfer.Evaluate(condition, state);
            Accumulate(tries, state);
            var (whenTrue, whenFalse) = _transfer.Refine(condition, state);
            var conditional = block.ConditionKind == ControlFlowConditionKind.WhenTrue ? whenTrue : whenFalse;
            var fallThrough = block.ConditionKind == ControlFlowConditionKind.WhenTrue ? whenFalse : whenTrue;

            // `while (true)` has no exit edge: a constant condition takes one branch only.
            bool? taken = condition.ConstantValue is { HasValue: true, Value: bool constant }
                ? constant == (block.ConditionKind == ControlFlowConditionKind.WhenTrue)
                : null;
            if (block.ConditionalSuccessor is { } conditionalBranch && taken != false && conditional is not null)
            {
                result.Add((conditionalBranch, conditional));
            }

            if (block.FallThroughSuccessor is { } fallThroughBranch && taken != true && fallThrough is not null)
            {
                result.Add((fallThroughBranch, fallThrough));
            }

            return result;
        }

        if (block.BranchValue is { } value)
        {
            var evaluated = _transfer.Evaluate(value, state);
            if (block.FallThroughSuccessor?.Semantics == ControlFlowBranchSemantics.Return)
            {
                _transfer.Return(evaluated, value, state);
            }

            Accumulate(tries, state);
        }

        if (block.FallThroughSuccessor is { } next)
        {
            result.Add((next, state));
        }

        return result;
    }

    private List<ControlFlowRegion>? EnclosingTries(BasicBlock block)
    {
        List<ControlFlowRegion>? tries = null;
        for (var region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
        {
            if (region.Kind == ControlFlowRegionKind.Try)
            {
                (tries ??= new List<ControlFlowRegion>()).Add(region);
            }
        }

        return tries;
    }

    private void Accumulate(List<ControlFlowRegion>? tries, OwnershipState state)
    {
        if (tries is null)
        {
            return;
        }

        foreach (var tryRegion in tries)
        {
            if (JoinAccumulated(_tryStates, tryRegion, state) && _handlerStartsOfTry.TryGetValue(tryRegion, out var starts))
            {
                foreach (var start in starts)
                {
                    _dirty[start] = true;
                }
            }
        }
    }

    private void IndexRegions(ControlFlowRegion region)
    {
        if (region.Kind is ControlFlowRegionKind.TryAndCatch or ControlFlowRegionKind.TryAndFinally
            && region.NestedRegions.Length > 1 && region.NestedRegions[0].Kind == ControlFlowRegionKind.Try)
        {
            var tryRegion = region.NestedRegions[0];
            for (var i = 1; i < region.NestedRegions.Length; i++)
            {
                var handler = region.NestedRegions[i];
                AddHandlerStart(handler.FirstBlockOrdinal, tryRegion);
                if (handler.Kind == ControlFlowRegionKind.FilterAndHandler)
                {
                    foreach (var part in handler.NestedRegions)
                    {
                        AddHandlerStart(part.FirstBlockOrdinal, tryRegion);
                    }
                }

                if (handler.Kind == ControlFlowRegionKind.Finally)
                {
                    _finallyStarts[handler.FirstBlockOrdinal] = handler;
                }
            }
        }

        foreach (var nested in region.NestedRegions)
        {
            IndexRegions(nested);
        }
    }

    private void AddHandlerStart(int ordinal, ControlFlowRegion tryRegion)
    {
        if (!_handlerTries.TryGetValue(ordinal, out var list))
        {
            _handlerTries[ordinal] = list = new List<ControlFlowRegion>();
        }

        if (!list.Contains(tryRegion))
        {
            list.Add(tryRegion);
        }

        if (!_handlerStartsOfTry.TryGetValue(tryRegion, out var starts))
        {
            _handlerStartsOfTry[tryRegion] = starts = new List<int>();
        }

        starts.Add(ordinal);
    }

    /// <inheritdoc />
    public VarValue DefaultVar(object key)
    {
        if (key is ISymbol symbol && IsInitialVariable(symbol))
        {
            var id = _objects.GetOrAdd(symbol, ObjectKind.Initial, null);
            if (!_initialValues.TryGetValue(id, out var initial))
            {
                // The variable alone holds its initial object (one value per variable, built once).
                initial = VarValue.Single(id, new ObjState(ObjFlags.None, null, null, null, System.Collections.Immutable.ImmutableHashSet.Create<object>(OwnershipState.VarKeyComparer.Instance, symbol)));
                _initialValues[id] = initial;
            }

            return initial;
        }

        return default;
    }

    /// <inheritdoc />
    public ObjState DefaultObject(int id) =>
        _objects[id].Kind == ObjectKind.Initial ? new ObjState(ObjFlags.Live, null, null) : default;

    // A variable whose value comes from outside this body (parameter, field of this, captured local) and that is
    // tracked as an owner starts out holding one owned object.
    private bool IsInitialVariable(ISymbol symbol)
    {
        if (!_run.Facts.IsTrackedOwner(symbol))
        {
            return false;
        }

        return symbol switch
        {
            ILocalSymbol local => !SymbolEqualityComparer.Default.Equals(local.ContainingSymbol, _owner),
            IParameterSymbol => true,
            IFieldSymbol or IPropertySymbol => true,
            _ => false,
        };
    }

    private ObjState StateOf(OwnershipState state, int id) =>
        state.Objects.TryGetValue(id, out var objState) ? objState : DefaultObject(id);

    private VarValue ValueOf(OwnershipState state, object key) =>
        state.Vars.TryGetValue(key, out var value) ? value : DefaultVar(key);

    // Tests of an owned value or a view (`buf is null`) are refined by the analysis itself, not kept apart as flags.
    private bool IsTrackedType(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            type = nullable.TypeArguments[0];
        }

        return _run.Symbols.IsOwned(type) || _run.Symbols.IsView(type) || _run.Symbols.IsTaskOfOwned(type);
    }
}
