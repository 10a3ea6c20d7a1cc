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

    private MethodFacts(OwnershipSymbols symbols) => _symbols = symbols;

    /// <summary>False when the body mentions no [Owned] type and no [TakesOwnership] parameter: nothing to analyze.</summary>
    public bool IsRelevant { get; private set; }

    public static MethodFacts Gather(IOperation root, OwnershipSymbols symbols)
    {
        var facts = new MethodFacts(symbols);
        facts.Walk(root);
        return facts;
    }

    /// <summary>A variable is tracked as an owner when its type is [Owned] or it is passed to a [TakesOwnership] parameter.</summary>
    public bool IsTrackedOwner(ISymbol symbol) => _symbols.IsOwned(TypeOf(symbol)) || _handedOff.Contains(symbol);

    public IReadOnlyList<CapturedVariable> CapturesOf(IMethodSymbol function) =>
        _captures.TryGetValue(function, out var list) ? list : Array.Empty<CapturedVariable>();

    public IReadOnlyList<IMethodSymbol> FunctionsHeldBy(ISymbol delegateLocal) =>
        _delegateLocals.TryGetValue(delegateLocal, out var list) ? list : Array.Empty<IMethodSymbol>();

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

            if (!IsRelevant && _symbols.IsOwned(op.Type))
            {
                IsRelevant = true;
            }

            switch (op)
            {
                case IArgumentOperation argument when _symbols.TakesOwnership(argument.Parameter):
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

            if (VariableOf(op) is { } symbol && IsDeclaredOutside(symbol, function)
                && (_symbols.IsOwned(TypeOf(symbol)) || _symbols.IsView(TypeOf(symbol)) || symbol is ILocalSymbol or IParameterSymbol)
                && seen.Add(symbol))
            {
                result.Add(new CapturedVariable(symbol, op));
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
        IPropertyReferenceOperation { Property.IsStatic: false, Property.IsIndexer: false, Instance: IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } } property => property.Property,
        _ => null,
    };

    /// <summary>Strips conversions and parentheses, which neither read nor change ownership.</summary>
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
                default:
                    return op;
            }
        }
    }
}

/// <summary>A variable declared outside a lambda or local function and read inside it, with its first read there.</summary>
internal readonly struct CapturedVariable
{
    public CapturedVariable(ISymbol symbol, IOperation firstReference)
    {
        Symbol = symbol;
        FirstReference = firstReference;
    }

    public ISymbol Symbol { get; }

    public IOperation FirstReference { get; }
}
