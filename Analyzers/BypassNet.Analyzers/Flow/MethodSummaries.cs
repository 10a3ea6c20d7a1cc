using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.Analyzers.Flow;

/// <summary>
/// Summaries of the compilation's own methods, computed once per method and cached for the compilation:
/// which owned parameters a method releases (disposes, hands off, stores or returns) on every path that returns
/// normally, so that callers treat them as [TakesOwnership]; and which view parameters a method returning a
/// Span/Memory may return a slice of, so that the result is tracked as a view of the same owner.
/// Local functions are summarized from their graph within the declaring member's graph.
/// Virtual, abstract, override, interface and extern methods have no summary (another body may run). A method that
/// calls itself is summarized by iteration: its own calls first assume it releases every owned parameter, and the
/// body is analyzed again with what it was found to release until the two agree (a path that would only release by
/// recursing forever never returns, so it leaks nothing). Methods on a longer cycle (A calls B calls A) have no
/// summary: their calls keep the declared contract.
/// </summary>
internal sealed class MethodSummaries
{
    [ThreadStatic]
    private static List<IMethodSymbol>? t_inProgress;

    // Parallel to t_inProgress: what a method being summarized is assumed to release where it calls itself.
    [ThreadStatic]
    private static List<SelfCallAssumption>? t_assumed;

    // The most rounds a self-recursive summary takes: each round that disagrees drops at least one released parameter.
    private const int MaxRecursionRounds = 8;

    private readonly Compilation _compilation;
    private readonly OwnershipSymbols _symbols;
    private readonly ConcurrentDictionary<IMethodSymbol, MethodSummary> _cache = new(SymbolEqualityComparer.Default);

    public MethodSummaries(Compilation compilation, OwnershipSymbols symbols)
    {
        _compilation = compilation;
        _symbols = symbols;
    }

    /// <summary>[TakesOwnership] as declared, or as the callee's summary shows it behaves.</summary>
    public bool TakesOwnership(IParameterSymbol? parameter) =>
        _symbols.TakesOwnership(parameter) || (parameter is not null && InfersTakesOwnership(parameter));

    /// <summary>True when the summary of the parameter's method shows it releases the parameter on every path (and it is not declared so).</summary>
    public bool InfersTakesOwnership(IParameterSymbol parameter)
    {
        if (!_symbols.IsUndeclaredOwnedParameter(parameter) || parameter.ContainingSymbol is not IMethodSymbol method)
        {
            return false;
        }

        var summary = Get(method.OriginalDefinition, graph: null);
        return summary is not null && parameter.Ordinal < summary.Released.Length && summary.Released[parameter.Ordinal];
    }

    /// <summary>
    /// For a parameter of a bool method of this compilation: true when the method releases it exactly on the paths
    /// returning true, false when exactly on those returning false, null otherwise (or when it is released always).
    /// </summary>
    public bool? ReleasedWhen(IParameterSymbol? parameter)
    {
        if (parameter is null || !_symbols.IsUndeclaredOwnedParameter(parameter) || parameter.ContainingSymbol is not IMethodSymbol method)
        {
            return null;
        }

        var summary = Get(method.OriginalDefinition, graph: null);
        return summary is not null && parameter.Ordinal < summary.ReleasedWhen.Length ? summary.ReleasedWhen[parameter.Ordinal] : null;
    }

    /// <summary>True when the method's returned view may be a slice of its view parameter at <paramref name="ordinal"/>.</summary>
    public bool ReturnsViewOf(IMethodSymbol method, int ordinal)
    {
        var summary = Get(method.OriginalDefinition, graph: null);
        return summary is not null && ordinal < summary.ViewSources.Length && summary.ViewSources[ordinal];
    }

    /// <summary>The summary of a method, computing it (from <paramref name="graph"/> when the caller already has the method's graph).</summary>
    public MethodSummary? Get(IMethodSymbol method, Func<ControlFlowGraph>? graph, IOperation? body = null)
    {
        if (!IsSummarizable(method))
        {
            return null;
        }

        if (_cache.TryGetValue(method, out var cached))
        {
            return cached.IsNone ? null : cached;
        }

        var stack = t_inProgress ??= new List<IMethodSymbol>();
        var assumed = t_assumed ??= new List<SelfCallAssumption>();
        var index = stack.FindIndex(m => SymbolEqualityComparer.Default.Equals(m, method));
        if (index >= 0 && index == stack.Count - 1)
        {
            // The method calls itself: answer with this round's assumption (Get iterates until it holds).
            assumed[index].Used = true;
            return new MethodSummary(assumed[index].Released, new bool[method.Parameters.Length], new bool?[method.Parameters.Length]);
        }

        if (index >= 0)
        {
            // A recursive cycle: every method on it from here up falls back to its declared contract.
            for (var i = index; i < stack.Count; i++)
            {
                _cache[stack[i]] = MethodSummary.None;
            }

            return null;
        }

        stack.Add(method);
        assumed.Add(new SelfCallAssumption(OwnedByValue(method)));
        MethodSummary computed;
        try
        {
            computed = ComputeToFixpoint(method, graph, body, assumed);
        }
        finally
        {
            stack.RemoveAt(stack.Count - 1);
            assumed.RemoveAt(assumed.Count - 1);
        }

        // A cycle found below marked this method None; that mark wins over what was computed meanwhile.
        var result = _cache.GetOrAdd(method, computed);
        return result.IsNone ? null : result;
    }

    /// <summary>
    /// Records the summary of a method whose body was just analyzed (unless one is cached or being computed): the
    /// analysis's own fixpoint gives <paramref name="released"/>, so no second pass over the body is needed.
    /// </summary>
    public void Offer(IMethodSymbol method, IOperation body, Func<(bool[] Released, bool?[] ReleasedWhen)> released)
    {
        if (_cache.ContainsKey(method) || !IsSummarizable(method)
            || (t_inProgress is { } stack && stack.Exists(m => SymbolEqualityComparer.Default.Equals(m, method))))
        {
            return;
        }

        var viewSources = _symbols.IsView(method.ReturnType) ? ViewSourcesOf(body, method) : new bool[method.Parameters.Length];
        var (always, when) = released();
        _cache.TryAdd(method, new MethodSummary(always, viewSources, when));
    }

    /// <summary>
    /// Computes the summary of the method on top of the stack, again with what it releases as the assumption for its
    /// own calls until that assumption holds; None when it does not settle.
    /// </summary>
    private MethodSummary ComputeToFixpoint(IMethodSymbol method, Func<ControlFlowGraph>? graph, IOperation? body, List<SelfCallAssumption> assumed)
    {
        var assumption = assumed[assumed.Count - 1];
        for (var round = 0; round < MaxRecursionRounds; round++)
        {
            assumption.Used = false;
            var computed = Compute(method, graph, body);
            if (computed is null || (_cache.TryGetValue(method, out var marked) && marked.IsNone))
            {
                // No body, or a longer cycle found below marked the method None.
                return MethodSummary.None;
            }

            if (!assumption.Used || computed.Released.Length != assumption.Released.Length)
            {
                return computed;
            }

            // Never assume more than before: the rounds only drop parameters, so they settle.
            var next = new bool[assumption.Released.Length];
            for (var i = 0; i < next.Length; i++)
            {
                next[i] = assumption.Released[i] && computed.Released[i];
            }

            if (next.SequenceEqual(assumption.Released))
            {
                return new MethodSummary(next, computed.ViewSources, computed.ReleasedWhen);
            }

            assumption.Released = next;
        }

        return MethodSummary.None;
    }

    /// <summary>The starting assumption for a method's calls to itself: it releases every owned by-value parameter.</summary>
    private bool[] OwnedByValue(IMethodSymbol method)
    {
        var result = new bool[method.Parameters.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = _symbols.IsUndeclaredOwnedParameter(method.Parameters[i]);
        }

        return result;
    }

    private bool IsSummarizable(IMethodSymbol method)
    {
        if (method.MethodKind is not (MethodKind.Ordinary or MethodKind.Constructor or MethodKind.LocalFunction) || method.IsAbstract || method.IsVirtual
            || method.IsOverride || method.IsExtern || method.PartialDefinitionPart is not null || method.PartialImplementationPart is not null
            || method.ContainingType is null || method.ContainingType.TypeKind == TypeKind.Interface
            || method.DeclaringSyntaxReferences.Length != 1)
        {
            return false;
        }

        var wanted = _symbols.IsView(method.ReturnType);
        foreach (var parameter in method.Parameters)
        {
            wanted |= _symbols.IsUndeclaredOwnedParameter(parameter);
        }

        return wanted && _compilation.ContainsSyntaxTree(method.DeclaringSyntaxReferences[0].SyntaxTree);
    }

    private MethodSummary? Compute(IMethodSymbol method, Func<ControlFlowGraph>? graph, IOperation? body)
    {
        if (method.MethodKind == MethodKind.LocalFunction)
        {
            return ComputeLocalFunction(method);
        }

        if (method.MethodKind == MethodKind.Constructor && method.DeclaringSyntaxReferences[0].GetSyntax() is TypeDeclarationSyntax type)
        {
            return ComputePrimaryConstructor(method, type);
        }

        if (body is null || graph is null)
        {
            var syntax = method.DeclaringSyntaxReferences[0].GetSyntax();
            body = ModelOf(syntax.SyntaxTree).GetOperation(syntax);
            graph = null;
        }

        if (body is not (IMethodBodyOperation or IConstructorBodyOperation))
        {
            return null;
        }

        var cfg = graph is not null ? graph() : GraphOf(body)!;

        var (released, when) = OwnershipFlowAnalysis.ReleasedParameters(cfg, body, method, _symbols, this);
        var viewSources = _symbols.IsView(method.ReturnType) ? ViewSourcesOf(body, method) : new bool[method.Parameters.Length];
        return new MethodSummary(released, viewSources, when);
    }

    /// <summary>
    /// A local function's summary: its graph is nested in the graph of the member that declares it, so that graph is
    /// built and searched (down through other local functions) for this one.
    /// </summary>
    private MethodSummary? ComputeLocalFunction(IMethodSymbol method)
    {
        var syntax = method.DeclaringSyntaxReferences[0].GetSyntax();
        if (ModelOf(syntax.SyntaxTree).GetOperation(syntax) is not ILocalFunctionOperation declaration)
        {
            return null;
        }

        var root = (IOperation)declaration;
        while (root.Parent is { } parent)
        {
            root = parent;
        }

        if (GraphOf(root) is not { } outer || FindLocalFunctionGraph(outer, method, depth: 0) is not { } cfg)
        {
            return null;
        }

        var (released, when) = OwnershipFlowAnalysis.ReleasedParameters(cfg, declaration, method, _symbols, this);
        var viewSources = _symbols.IsView(method.ReturnType) ? ViewSourcesOf(declaration, method) : new bool[method.Parameters.Length];
        return new MethodSummary(released, viewSources, when);
    }

    /// <summary>
    /// A primary constructor has no body: a record's positional parameter becomes a property, so it is stored; a class
    /// or struct parameter is stored when the type's members read it (the compiler captures it), and dropped otherwise.
    /// </summary>
    private MethodSummary ComputePrimaryConstructor(IMethodSymbol method, TypeDeclarationSyntax type)
    {
        var released = OwnedByValue(method);
        if (released.Contains(true) && type is not RecordDeclarationSyntax)
        {
            var model = ModelOf(type.SyntaxTree);
            var read = new bool[released.Length];
            foreach (var member in type.Members)
            {
                foreach (var name in member.DescendantNodes().OfType<IdentifierNameSyntax>())
                {
                    if (model.GetSymbolInfo(name).Symbol is IParameterSymbol parameter
                        && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, method))
                    {
                        read[parameter.Ordinal] = true;
                    }
                }
            }

            for (var i = 0; i < released.Length; i++)
            {
                released[i] &= read[i];
            }
        }

        return new MethodSummary(released, new bool[released.Length], new bool?[released.Length]);
    }

    // Summaries need the bodies of other methods than the one being analyzed; the model is only read.
#pragma warning disable RS1030 // Do not invoke Compilation.GetSemanticModel() method within a diagnostic analyzer
    private SemanticModel ModelOf(SyntaxTree tree) => _compilation.GetSemanticModel(tree);
#pragma warning restore RS1030

    /// <summary>The graph of a method or constructor body; null for any other operation.</summary>
    private static ControlFlowGraph? GraphOf(IOperation? body) => body switch
    {
        IMethodBodyOperation methodBody => ControlFlowGraph.Create(methodBody),
        IConstructorBodyOperation constructorBody => ControlFlowGraph.Create(constructorBody),
        _ => null,
    };

    private static ControlFlowGraph? FindLocalFunctionGraph(ControlFlowGraph cfg, IMethodSymbol method, int depth)
    {
        if (depth > 8)
        {
            return null;
        }

        foreach (var localFunction in cfg.LocalFunctions)
        {
            var nested = cfg.GetLocalFunctionControlFlowGraph(localFunction);
            if (SymbolEqualityComparer.Default.Equals(localFunction, method))
            {
                return nested;
            }

            if (FindLocalFunctionGraph(nested, method, depth + 1) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    // A returned view is a slice of a parameter when every step from the parameter keeps pointing into the same
    // memory: the parameter itself, Slice/indexer/range/property of a view, a conversion between view types, a
    // conditional of such, or a local only assigned such. A copy (ToArray) converted to a view is a new buffer.
    private bool[] ViewSourcesOf(IOperation body, IMethodSymbol method)
    {
        var result = new bool[method.Parameters.Length];
        foreach (var op in body.Descendants())
        {
            if (op is IReturnOperation { ReturnedValue: { } returned })
            {
                MarkSources(returned, body, result, depth: 0);
            }
        }

        return result;
    }

    private void MarkSources(IOperation op, IOperation body, bool[] result, int depth)
    {
        if (depth > 8)
        {
            return;
        }

        switch (op)
        {
            case IConversionOperation conversion:
                if (_symbols.IsView(conversion.Operand.Type) || _symbols.IsOwned(conversion.Operand.Type))
                {
                    MarkSources(conversion.Operand, body, result, depth + 1);
                }

                break;
            case IParenthesizedOperation parenthesized:
                MarkSources(parenthesized.Operand, body, result, depth + 1);
                break;
            case IParameterReferenceOperation parameter when parameter.Parameter.Ordinal < result.Length
                && (_symbols.IsView(parameter.Parameter.Type) || _symbols.IsOwned(parameter.Parameter.Type)):
                result[parameter.Parameter.Ordinal] = true;
                break;
            case IConditionalOperation conditional:
                MarkSources(conditional.WhenTrue, body, result, depth + 1);
                if (conditional.WhenFalse is { } whenFalse)
                {
                    MarkSources(whenFalse, body, result, depth + 1);
                }

                break;
            case IInvocationOperation invocation when _symbols.IsView(invocation.Type):
                if (invocation.Instance is { } instance)
                {
                    MarkSources(instance, body, result, depth + 1);
                }

                if (invocation.TargetMethod.IsExtensionMethod && invocation.Arguments.Length > 0)
                {
                    MarkSources(invocation.Arguments[0].Value, body, result, depth + 1);
                }

                break;
            case IPropertyReferenceOperation { Instance: { } receiver } property when _symbols.IsView(property.Type):
                MarkSources(receiver, body, result, depth + 1);
                break;
            case IRangeOperation:
                break;
            case ILocalReferenceOperation local when _symbols.IsView(local.Type):
                foreach (var other in body.Descendants())
                {
                    if (other is IVariableDeclaratorOperation { Initializer.Value: { } initial } declarator
                        && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local.Local))
                    {
                        MarkSources(initial, body, result, depth + 1);
                    }
                    else if (other is ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment
                        && SymbolEqualityComparer.Default.Equals(target.Local, local.Local))
                    {
                        MarkSources(assignment.Value, body, result, depth + 1);
                    }
                }

                break;
            default:
                if (op.Kind == OperationKind.ImplicitIndexerReference || op.Kind == OperationKind.ArrayElementReference)
                {
                    foreach (var child in op.ChildOperations)
                    {
                        MarkSources(child, body, result, depth + 1);
                    }
                }

                break;
        }
    }
}

/// <summary>What a method does with its parameters, by ordinal.</summary>
internal sealed class MethodSummary
{
    public static readonly MethodSummary None = new(Array.Empty<bool>(), Array.Empty<bool>(), Array.Empty<bool?>(), isNone: true);

    public MethodSummary(bool[] released, bool[] viewSources, bool?[] releasedWhen, bool isNone = false)
    {
        Released = released;
        ViewSources = viewSources;
        ReleasedWhen = releasedWhen;
        IsNone = isNone;
    }

    /// <summary>Per parameter: an owned parameter released on every path that returns normally.</summary>
    public bool[] Released { get; }

    /// <summary>
    /// Per parameter of a method returning bool: true when it releases the parameter exactly on the paths that return
    /// true (a TryKeep that owns the value only when it says so), false for the reverse, null for neither.
    /// </summary>
    public bool?[] ReleasedWhen { get; }

    /// <summary>Per parameter: the returned view may be a slice of it.</summary>
    public bool[] ViewSources { get; }

    /// <summary>No summary: the method keeps its declared contract.</summary>
    public bool IsNone { get; }
}
