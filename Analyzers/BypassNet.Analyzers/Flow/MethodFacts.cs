using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.Analyzers.Flow;

/// <summary>
/// Facts gathered from one method body in a single pass over its operation tree before any control flow graph is
/// built: whether it touches ownership at all (the fast bail-out), which variables are handed off, what each lambda
/// or local function captures, and which delegate locals hold which lambdas.
/// </summary>
internal sealed class MethodFacts
{
    private readonly OwnershipSymbols _symbols;
    private readonly Dictionary<IMethodSymbol, List<CapturedVariable>> _captures = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<ISymbol, List<IMethodSymbol>> _delegateLocals = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ISymbol> _handedOff = new(SymbolEqualityComparer.Default);
    private readonly HashSet<IMethodSymbol> _heldByDelegates = new(SymbolEqualityComparer.Default);
    private readonly Func<IParameterSymbol?, bool> _takesOwnership;

    private MethodFacts(OwnershipSymbols symbols, Func<IParameterSymbol?, bool> takesOwnership)
    {
        _symbols = symbols;
        _takesOwnership = takesOwnership;
    }

    /// <summary>False when the body mentions no [Owned] type, no task of one and no [TakesOwnership] parameter: nothing to analyze.</summary>
    public bool IsRelevant { get; private set; }

    /// <summary>Gathers the facts of a body; <paramref name="takesOwnership"/> answers [TakesOwnership], declared or summarised.</summary>
    public static MethodFacts Gather(IOperation root, OwnershipSymbols symbols, Func<IParameterSymbol?, bool> takesOwnership)
    {
        var facts = new MethodFacts(symbols, takesOwnership);
        facts.Walk(root);
        return facts;
    }

    /// <summary>A variable is tracked as an owner when its type is [Owned] or it is passed to a [TakesOwnership] parameter.</summary>
    public bool IsTrackedOwner(ISymbol symbol) => _symbols.IsOwned(TypeOf(symbol)) || _handedOff.Contains(symbol);

    public IReadOnlyList<CapturedVariable> CapturesOf(IMethodSymbol function) =>
        _captures.TryGetValue(function, out var list) ? list : Array.Empty<CapturedVariable>();

    /// <summary>True for a lambda or local function that is assigned to a delegate local: it runs when the delegate is called.</summary>
    public bool IsHeldByDelegate(IMethodSymbol function) => _heldByDelegates.Contains(function);

    public static ITypeSymbol? TypeOf(ISymbol symbol) => symbol switch
    {
        ILocalSymbol local => local.Type,
        IParameterSymbol parameter => parameter.Type,
        IFieldSymbol field => field.Type,
        IPropertySymbol property => property.Type,
        _ => null,
    };

    private void Walk(IOperation root)
    {
        var stack = new Stack<IOperation>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var op = stack.Pop();
            if (op is INameOfOperation)
            {
                continue;
            }

            // A task of an owned value counts too: `_ = sock.ReceiveAsync();` mentions no owned type but leaks one.
            if (!IsRelevant && (_symbols.IsOwned(op.Type) || _symbols.IsTaskOfOwned(op.Type)))
            {
                IsRelevant = true;
            }

            switch (op)
            {
                case IArgumentOperation argument when _takesOwnership(argument.Parameter):
                    IsRelevant = true;
                    if (VariableOf(Unwrap(argument.Value)) is { } handed)
                    {
                        _handedOff.Add(handed);
                    }

                    break;
                case IAnonymousFunctionOperation lambda:
                    _captures[lambda.Symbol] = CollectCaptures(lambda.Body, lambda.Symbol);
                    break;
                case ILocalFunctionOperation localFunction:
                    _captures[localFunction.Symbol] = CollectCaptures(localFunction, localFunction.Symbol);
                    break;
                case IVariableDeclaratorOperation { Initializer.Value: { } value } declarator:
                    RecordDelegate(declarator.Symbol, value);
                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment:
                    RecordDelegate(target.Local, assignment.Value);
                    break;
            }

            foreach (var child in op.ChildOperations)
            {
                stack.Push(child);
            }
        }
    }

    private void RecordDelegate(ILocalSymbol local, IOperation value)
    {
        var target = Unwrap(value);
        if (target is IDelegateCreationOperation creation)
        {
            target = Unwrap(creation.Target);
        }

        IMethodSymbol? function = target switch
        {
            IAnonymousFunctionOperation lambda => lambda.Symbol,
            IMethodReferenceOperation { Method.MethodKind: MethodKind.LocalFunction } reference => reference.Method,
            _ => null,
        };

        if (function is null)
        {
            return;
        }

        if (!_delegateLocals.TryGetValue(local, out var list))
        {
            _delegateLocals[local] = list = new List<IMethodSymbol>();
        }

        list.Add(function);
        _heldByDelegates.Add(function);
    }

    private List<CapturedVariable> CollectCaptures(IOperation body, IMethodSymbol function)
    {
        var result = new List<CapturedVariable>();
        var seen = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var stack = new Stack<IOperation>();
        stack.Push(body);
        while (stack.Count > 0)
        {
            var op = stack.Pop();
            if (op is INameOfOperation)
            {
                continue;
            }

            // Every captured local and parameter (any of them may hold an owned value or a view); fields of
            // this only when they are tracked owners.
            if (VariableOf(op) is { } symbol && IsDeclaredOutside(symbol, function)
                && (symbol is ILocalSymbol or IParameterSymbol || _symbols.IsOwned(TypeOf(symbol))))
            {
                var effect = EffectOf(op);
                if (seen.Add(symbol))
                {
                    result.Add(new CapturedVariable(symbol, op, effect));
                }
                else if (effect > CaptureEffect.None)
                {
                    var index = result.FindIndex(c => SymbolEqualityComparer.Default.Equals(c.Symbol, symbol));
                    if (result[index].Effect < effect)
                    {
                        result[index] = new CapturedVariable(symbol, result[index].FirstReference, effect, op);
                    }
                }
            }

            // Children are pushed in reverse so the first reference in source order is met first.
            var children = op.ChildOperations.ToList();
            for (var i = children.Count - 1; i >= 0; i--)
            {
                stack.Push(children[i]);
            }
        }

        return result;
    }

    // What a function body does to a captured variable at this reference: hands it off (an argument to a
    // [TakesOwnership] parameter) or disposes it (Dispose(), DisposeAsync(), a using of it). On any path: a may-effect.
    private CaptureEffect EffectOf(IOperation reference)
    {
        var parent = reference.Parent;
        while (parent is IConversionOperation or IParenthesizedOperation)
        {
            parent = parent.Parent;
        }

        switch (parent)
        {
            case IArgumentOperation argument when _takesOwnership(argument.Parameter):
                return CaptureEffect.HandsOff;
            case IInvocationOperation { TargetMethod: { Name: "Dispose" or "DisposeAsync", Parameters.IsEmpty: true } } invocation
                when invocation.Instance is not null && ReferenceEquals(Unwrap(invocation.Instance), reference):
                return CaptureEffect.Disposes;
            case IUsingOperation:
                return CaptureEffect.Disposes;
            default:
                return CaptureEffect.None;
        }
    }

    private static bool IsDeclaredOutside(ISymbol symbol, IMethodSymbol function)
    {
        if (symbol is IFieldSymbol or IPropertySymbol)
        {
            return true;
        }

        for (var container = symbol.ContainingSymbol; container is IMethodSymbol method; container = method.ContainingSymbol)
        {
            if (SymbolEqualityComparer.Default.Equals(method, function))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The variable a reference reads: a local, a parameter, or a field or property of this.</summary>
    public static ISymbol? VariableOf(IOperation op) => op switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        IFieldReferenceOperation { Field.IsStatic: false, Instance: IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } } field => field.Field,
        IPropertyReferenceOperation { Property.IsStatic: false, Property.IsIndexer: false, Instance: IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } } property
            when IsAutoProperty(property.Property) => property.Property,
        _ => null,
    };

    // A computed property may answer a different value on each read, so only auto-properties are variables.
    private static bool IsAutoProperty(IPropertySymbol property)
    {
        foreach (var member in property.ContainingType.GetMembers())
        {
            if (member is IFieldSymbol { IsImplicitlyDeclared: true } field && SymbolEqualityComparer.Default.Equals(field.AssociatedSymbol, property))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True for <c>x.Value</c> of a <see cref="Nullable{T}"/>: the same value as x, unwrapped (an owned struct held as T?).</summary>
    public static bool IsNullableValue(IPropertyReferenceOperation property) =>
        property.Property is { Name: "Value", IsStatic: false, ContainingType.OriginalDefinition.SpecialType: SpecialType.System_Nullable_T };

    /// <summary>True for <c>x.GetValueOrDefault()</c> of a <see cref="Nullable{T}"/>, which the compiler writes for <c>x?.M()</c>.</summary>
    public static bool IsNullableUnwrap(IInvocationOperation invocation) =>
        invocation.TargetMethod is { Name: "GetValueOrDefault", Parameters.Length: 0, IsStatic: false, ContainingType.OriginalDefinition.SpecialType: SpecialType.System_Nullable_T };

    /// <summary>Strips conversions, parentheses and Nullable's Value, which neither read nor change ownership.</summary>
    public static IOperation Unwrap(IOperation op)
    {
        while (true)
        {
            switch (op)
            {
                case IConversionOperation conversion:
                    op = conversion.Operand;
                    break;
                case IParenthesizedOperation parenthesized:
                    op = parenthesized.Operand;
                    break;
                case IPropertyReferenceOperation { Instance: { } nullable } value when IsNullableValue(value):
                    op = nullable;
                    break;
                case IInvocationOperation { Instance: { } nullable } unwrap when IsNullableUnwrap(unwrap):
                    op = nullable;
                    break;
                default:
                    return op;
            }
        }
    }
}

/// <summary>
/// A variable declared outside a lambda or local function and read inside it, with its first read there and what
/// the function may do to it (and where).
/// </summary>
internal readonly struct CapturedVariable
{
    public CapturedVariable(ISymbol symbol, IOperation firstReference, CaptureEffect effect = CaptureEffect.None, IOperation? effectSite = null)
    {
        Symbol = symbol;
        FirstReference = firstReference;
        Effect = effect;
        EffectSite = effectSite ?? firstReference;
    }

    public ISymbol Symbol { get; }

    public IOperation FirstReference { get; }

    public CaptureEffect Effect { get; }

    public IOperation EffectSite { get; }
}

/// <summary>What a lambda or local function may do to a variable it captures; a higher value wins.</summary>
internal enum CaptureEffect
{
    None,
    Disposes,
    HandsOff,
}
