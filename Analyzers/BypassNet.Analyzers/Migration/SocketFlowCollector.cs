using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.Analyzers.Migration;

/// <summary>
/// Walks one operation block and records, for every operation whose type is Socket (or a task/awaitable of it),
/// where its value comes from and where it goes. Anything it does not understand blocks the group: the analysis
/// must never offer a swap that does not compile or that behaves differently.
/// </summary>
internal sealed class SocketFlowCollector
{
    private const int SocketTypeStream = 1;
    private const int ProtocolTypeTcp = 6;
    private const int AddressFamilyInterNetwork = 2;
    private const int AddressFamilyInterNetworkV6 = 23;

    private readonly SocketSymbols _symbols;
    private readonly SocketGroups _groups;

    public SocketFlowCollector(SocketSymbols symbols, SocketGroups groups)
    {
        _symbols = symbols;
        _groups = groups;
    }

    public void Visit(IOperation root, ISymbol owningSymbol)
    {
        foreach (IOperation operation in root.DescendantsAndSelf())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when _symbols.IsSocketish(declarator.Symbol.Type):
                    _groups.Touch(declarator.Symbol);
                    break;
                case IMethodReferenceOperation methodReference:
                    BlockDelegateTarget(methodReference.Method);
                    break;
            }

            if (!_symbols.IsSocketish(operation.Type))
            {
                continue;
            }

            Source(operation);
            Use(operation, owningSymbol);
        }
    }

    /// <summary>Where the value of <paramref name="operation"/> comes from.</summary>
    private void Source(IOperation operation)
    {
        switch (operation)
        {
            case ILocalReferenceOperation local:
                _groups.Union(operation, local.Local);
                break;
            case IParameterReferenceOperation parameter:
                _groups.Union(operation, ParameterKey(parameter.Parameter));
                break;
            case IFieldReferenceOperation field when IsInSource(field.Field) && !field.Field.IsConst:
                _groups.Union(operation, field.Field.OriginalDefinition);
                break;
            case IPropertyReferenceOperation property when property.Instance is { } instance && _symbols.IsSocketish(instance.Type):
                // Task<Socket>.Result and the like: the same socket.
                _groups.Union(operation, instance);
                break;
            case IPropertyReferenceOperation property when IsInSource(property.Property) && !property.Property.IsIndexer:
                _groups.Union(operation, property.Property.OriginalDefinition);
                break;
            case IObjectCreationOperation creation:
                Creation(creation);
                break;
            case IInvocationOperation invocation when invocation.Instance is { } instance && _symbols.IsSocketish(instance.Type):
                // listener.AcceptAsync(), acceptTask.ConfigureAwait(false), awaiter.GetResult(): the swap turns the result
                // into a BypassSocket exactly when it turns the receiver into one. (Whether the member exists is checked at the receiver.)
                _groups.Union(operation, instance);
                break;
            case IInvocationOperation invocation when IsSwappableMethod(invocation.TargetMethod):
                _groups.Union(operation, invocation.TargetMethod.OriginalDefinition);
                break;
            case IInvocationOperation invocation:
                _groups.Block(operation, $"the socket comes from {invocation.TargetMethod.ToDisplayString()}");
                break;
            case IAwaitOperation await:
                _groups.Union(operation, await.Operation);
                break;
            case IConditionalOperation conditional:
                _groups.Union(operation, conditional.WhenTrue);
                if (conditional.WhenFalse is { } whenFalse)
                {
                    _groups.Union(operation, whenFalse);
                }

                break;
            case ICoalesceOperation coalesce:
                _groups.Union(operation, coalesce.Value);
                _groups.Union(operation, coalesce.WhenNull);
                break;
            case IConditionalAccessOperation conditionalAccess:
                _groups.Union(operation, conditionalAccess.WhenNotNull);
                break;
            case IConditionalAccessInstanceOperation:
                if (ConditionalAccessOf(operation) is { } access)
                {
                    _groups.Union(operation, access.Operation);
                }
                else
                {
                    _groups.Block(operation, "an unrecognised conditional access");
                }

                break;
            case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ImplicitReceiver }:
                // new Socket(...) { NoDelay = true }: the receiver is the object being created.
                if (Ancestor<IObjectCreationOperation>(operation) is { } created)
                {
                    _groups.Union(operation, created);
                }
                else
                {
                    _groups.Block(operation, "an unrecognised object initializer");
                }

                break;
            case IConversionOperation conversion:
                if (IsNullOrDefault(conversion.Operand))
                {
                    _groups.Touch(operation);
                }
                else if (SymbolEqualityComparer.Default.Equals(conversion.Operand.Type, conversion.Type))
                {
                    _groups.Union(operation, conversion.Operand);
                }
                else
                {
                    _groups.Block(operation, $"a cast from {conversion.Operand.Type?.ToDisplayString() ?? "an expression"} produces the socket");
                }

                break;
            case ILiteralOperation:
            case IDefaultValueOperation:
            case IDiscardOperation:
            case IDeclarationExpressionOperation:
                _groups.Touch(operation);
                break;
            default:
                _groups.Block(operation, $"the socket comes from a {operation.Kind} the analysis does not follow");
                break;
        }
    }

    /// <summary>Where the value of <paramref name="operation"/> goes.</summary>
    private void Use(IOperation operation, ISymbol owningSymbol)
    {
        IOperation? parent = operation.Parent;
        switch (parent)
        {
            case null:
            case IExpressionStatementOperation:
            case IAwaitOperation:
            case IConditionalOperation:
            case ICoalesceOperation:
            case IUsingOperation:
            case INameOfOperation:
            case IBinaryOperation:
            case IConditionalAccessOperation access when access.Operation == operation:
                return;
            case IConditionalAccessOperation:
                return;
            case ISimpleAssignmentOperation assignment when assignment.Value == operation:
                _groups.Union(operation, assignment.Target);
                return;
            case ISimpleAssignmentOperation:
                return;
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                _groups.Union(operation, declarator.Symbol);
                return;
            case IFieldInitializerOperation fieldInitializer:
                foreach (IFieldSymbol field in fieldInitializer.InitializedFields)
                {
                    _groups.Union(operation, field.OriginalDefinition);
                }

                return;
            case IPropertyInitializerOperation propertyInitializer:
                foreach (IPropertySymbol property in propertyInitializer.InitializedProperties)
                {
                    _groups.Union(operation, property.OriginalDefinition);
                }

                return;
            case IReturnOperation { Kind: OperationKind.Return } returned:
                if (ReturnSlot(returned, owningSymbol) is { } slot)
                {
                    _groups.Union(operation, slot);
                }
                else
                {
                    _groups.Block(operation, "the socket is returned from a lambda or an iterator");
                }

                return;
            case IArgumentOperation argument:
                Argument(operation, argument);
                return;
            case IInvocationOperation invocation when invocation.Instance == operation:
                if (_symbols.IsSocket(operation.Type)
                    && (!_symbols.HasCounterpart(invocation.TargetMethod) || !_symbols.FlagsSupported(invocation)))
                {
                    _groups.Block(operation, $"BypassSocket has no {invocation.TargetMethod.ToDisplayString()} with these arguments");
                }

                return;
            case IPropertyReferenceOperation property when property.Instance == operation:
                if (_symbols.IsSocket(operation.Type) && !_symbols.HasCounterpart(property.Property))
                {
                    _groups.Block(operation, $"BypassSocket has no {property.Property.ToDisplayString()}");
                }

                return;
            case IConversionOperation conversion:
                if (SymbolEqualityComparer.Default.Equals(conversion.Type, operation.Type)
                    || SymbolEqualityComparer.Default.Equals(conversion.Type, _symbols.IDisposable)
                    || SymbolEqualityComparer.Default.Equals(conversion.Type, _symbols.IAsyncDisposable)
                    || (conversion.Type?.SpecialType == SpecialType.System_Object && conversion.Parent is IBinaryOperation
                        { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals }))
                {
                    return;
                }

                _groups.Block(operation, $"the socket is converted to {conversion.Type?.ToDisplayString()}");
                return;
            case IIsPatternOperation { Pattern: var pattern } when IsNullPattern(pattern):
                return;
            default:
                _groups.Block(operation, $"the socket is used in a {parent.Kind} that the analysis does not follow");
                return;
        }
    }

    private void Argument(IOperation operation, IArgumentOperation argument)
    {
        IParameterSymbol? parameter = argument.Parameter;
        if (parameter is null)
        {
            _groups.Block(operation, "the socket is passed to an unknown parameter");
            return;
        }

        if (parameter.ContainingSymbol is IMethodSymbol method && IsSwappableMethod(method)
            && parameter.RefKind == RefKind.None && !parameter.IsParams
            && _symbols.IsSocketish(parameter.OriginalDefinition.Type))
        {
            _groups.Union(operation, ParameterKey(parameter));
            return;
        }

        _groups.Block(operation, $"the socket is passed to {parameter.ContainingSymbol.ToDisplayString()}, which needs a Socket");
    }

    private void Creation(IObjectCreationOperation creation)
    {
        if (!_symbols.IsSocket(creation.Type) || creation.Constructor is not { } constructor)
        {
            _groups.Block(creation, "an unrecognised object creation");
            return;
        }

        int? socketType = null;
        int? protocolType = null;
        int? addressFamily = null;
        bool addressFamilyKnown = true;
        foreach (IArgumentOperation argument in creation.Arguments)
        {
            ITypeSymbol? type = argument.Parameter?.Type;
            object? value = argument.Value.ConstantValue.HasValue ? argument.Value.ConstantValue.Value : null;
            if (SymbolEqualityComparer.Default.Equals(type, _symbols.SocketType))
            {
                socketType = value as int?;
            }
            else if (SymbolEqualityComparer.Default.Equals(type, _symbols.ProtocolType))
            {
                protocolType = value as int?;
            }
            else if (SymbolEqualityComparer.Default.Equals(type, _symbols.AddressFamily))
            {
                addressFamily = value as int?;
                addressFamilyKnown = value is int;
            }
            else
            {
                // Socket(SafeSocketHandle), Socket(SocketInformation): not something BypassSocket can be built from.
                _groups.Block(creation, $"BypassSocket has no constructor like {constructor.ToDisplayString()}");
                return;
            }
        }

        if (socketType != SocketTypeStream || protocolType != ProtocolTypeTcp)
        {
            _groups.Block(creation, "only TCP stream sockets (SocketType.Stream, ProtocolType.Tcp as constants) can be swapped");
            return;
        }

        if (addressFamilyKnown && addressFamily is { } family && family != AddressFamilyInterNetwork && family != AddressFamilyInterNetworkV6)
        {
            _groups.Block(creation, "only IPv4 and IPv6 sockets can be swapped");
            return;
        }

        Location? typeLocation = creation.Syntax is ObjectCreationExpressionSyntax explicitCreation ? explicitCreation.Type.GetLocation() : null;
        _groups.AddOrigin(creation, new SocketGroups.Origin(creation.Syntax.GetLocation(), typeLocation));
    }

    /// <summary>A method group that becomes a delegate: its Socket parameters and result are then typed by the delegate.</summary>
    private void BlockDelegateTarget(IMethodSymbol method)
    {
        method = method.OriginalDefinition;
        if (!IsInSource(method))
        {
            return;
        }

        if (_symbols.IsSocketish(method.ReturnType))
        {
            _groups.Block(method, $"{method.ToDisplayString()} is used as a delegate");
        }

        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (_symbols.IsSocketish(parameter.Type))
            {
                _groups.Block(parameter, $"{method.ToDisplayString()} is used as a delegate");
            }
        }
    }

    /// <summary>The slot a return statement feeds: the method (or local function, or property) it returns from.</summary>
    private static ISymbol? ReturnSlot(IReturnOperation returned, ISymbol owningSymbol)
    {
        for (IOperation? current = returned.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case IAnonymousFunctionOperation:
                    return null;
                case ILocalFunctionOperation localFunction:
                    return localFunction.Symbol;
            }
        }

        return owningSymbol switch
        {
            IMethodSymbol { MethodKind: MethodKind.PropertyGet, AssociatedSymbol: IPropertySymbol property } => property.OriginalDefinition,
            IMethodSymbol method => method.OriginalDefinition,
            _ => null,
        };
    }

    /// <summary>A parameter, or for the <c>value</c> of a property setter, the property.</summary>
    private static ISymbol ParameterKey(IParameterSymbol parameter)
    {
        if (parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.PropertySet, AssociatedSymbol: IPropertySymbol property }
            && !property.IsIndexer)
        {
            return property.OriginalDefinition;
        }

        return parameter.OriginalDefinition;
    }

    private static bool IsSwappableMethod(IMethodSymbol method) =>
        IsInSource(method)
        && method.MethodKind is MethodKind.Ordinary or MethodKind.LocalFunction or MethodKind.Constructor or MethodKind.PropertySet or MethodKind.PropertyGet;

    private static bool IsInSource(ISymbol symbol) => symbol.Locations.Any(l => l.IsInSource);

    private static bool IsNullOrDefault(IOperation operation) =>
        operation is IDefaultValueOperation
        || (operation is ILiteralOperation && operation.ConstantValue.HasValue && operation.ConstantValue.Value is null);

    private static bool IsNullPattern(IPatternOperation pattern) => pattern switch
    {
        IConstantPatternOperation constant => IsNullOrDefault(constant.Value) || constant.Value is IConversionOperation { Operand: var operand } && IsNullOrDefault(operand),
        INegatedPatternOperation negated => IsNullPattern(negated.Pattern),
        _ => false,
    };

    private static IConditionalAccessOperation? ConditionalAccessOf(IOperation operation) => Ancestor<IConditionalAccessOperation>(operation);

    private static T? Ancestor<T>(IOperation operation)
        where T : class, IOperation
    {
        for (IOperation? current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is T found)
            {
                return found;
            }
        }

        return null;
    }
}
