// Over 300 lines on purpose: following a socket through locals, fields, parameters, returns and collections is one walk; its cases share the group being built.
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.Analyzers.Migration;

/// <summary>
/// Walks one operation block and records, for every operation whose type carries a Socket (Socket itself, a task of
/// it, a collection, tuple, array or delegate of it), where its value comes from and where it goes; and, per type, which
/// members override or implement which (<see cref="VisitType"/>). Anything it does not understand blocks the group,
/// with the reason and the place (reported as BYP102): the analysis must never offer a swap that does not compile or
/// that behaves differently.
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

    private void Block(IOperation operation, string reason) => _groups.Block(operation, reason, operation.Syntax.GetLocation());

    private void Block(ISymbol symbol, string reason) =>
        _groups.Block(symbol, reason, symbol.Locations.FirstOrDefault(l => l.IsInSource));

    /// <summary>A socket that comes from an API returning Socket: the group cannot be swapped, and BYP102 says why.</summary>
    private void Acquired(IOperation operation, string reason)
    {
        Block(operation, reason);

        // A NetworkStream from elsewhere (a library's, or a TcpClient's that cannot move) is no socket of the program's
        // own: it keeps its group without a BYP102 of its own, so such programs are not flagged stream by stream.
        if (!SymbolEqualityComparer.Default.Equals(_symbols.SwappedIn(operation.Type), _symbols.NetworkStream))
        {
            _groups.Acquire(operation);
        }
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
                case IForEachLoopOperation loop:
                    ForEach(loop);
                    break;
                case IAnonymousFunctionOperation lambda:
                    Lambda(lambda);
                    break;
                case IInvocationOperation invocation:
                    AsyncStates(invocation);
                    break;
                case IDeclarationPatternOperation { DeclaredSymbol: ILocalSymbol local } pattern when _symbols.IsSocketish(local.Type):
                    TypePattern(pattern, local);
                    break;
            }

            if (Member(operation) is { } member)
            {
                Parametric(operation, member);
            }

            if (!_symbols.IsSocketish(operation.Type))
            {
                continue;
            }

            Source(operation);
            Use(operation, owningSymbol);
        }
    }

    /// <summary>
    /// The node of every socket of type <paramref name="type"/> passed as a Begin call's state, and of every cast of
    /// <c>IAsyncResult.AsyncState</c> back to that type: the object a cast reads may be any of them, so they swap together.
    /// </summary>
    private static string AsyncStateKey(ITypeSymbol type) => "IAsyncResult.AsyncState as " + type.OriginalDefinition.ToDisplayString();

    /// <summary>
    /// A socket passed as an <c>object</c> state. A Begin call's (<c>listener.BeginAccept(OnAccept, listener)</c>) comes
    /// back through IAsyncResult.AsyncState: it joins the casts (true). Another API's (<c>Task.Factory.StartNew(work,
    /// socket)</c>) comes back through a task's AsyncState, which a cast through IAsyncResult may read too: the casts
    /// stay (false: the conversion then blocks the socket as well).
    /// </summary>
    private bool StateArgument(IOperation operation, IArgumentOperation argument)
    {
        string key = AsyncStateKey(operation.Type!);
        if (_symbols.IsAsyncState(argument))
        {
            _groups.Union(operation, key);
            return true;
        }

        if (argument.Parameter is { } parameter && parameter.Name.IndexOf("state", System.StringComparison.OrdinalIgnoreCase) >= 0)
        {
            _groups.Block(key, $"the {Noun(operation.Type)} is the state of {parameter.ContainingSymbol.ToDisplayString()}, which is not a Begin call, so a cast of IAsyncResult.AsyncState back to it cannot be followed", operation.Syntax.GetLocation());
        }

        return false;
    }

    /// <summary>
    /// A Begin call whose state may hold a socket the analysis cannot see (an <c>object</c> variable, say): a cast of
    /// AsyncState back to a socket type might read it, so neither the casts nor the sockets passed as states can swap.
    /// </summary>
    private void AsyncStates(IInvocationOperation invocation)
    {
        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            if (!_symbols.IsAsyncState(argument))
            {
                continue;
            }

            IOperation value = argument.Value is IConversionOperation { IsImplicit: true } implicitly ? implicitly.Operand : argument.Value;
            if (IsNullOrDefault(value) || value.Type is not { } type || _symbols.IsSwapped(type) || !_symbols.MayHoldSwapped(type))
            {
                continue;
            }

            BlockAsyncStates(
                $"the state passed to {invocation.TargetMethod.ToDisplayString()} is a {type.ToDisplayString()} that may hold a socket, so a cast of IAsyncResult.AsyncState back to a socket cannot be followed",
                argument.Syntax.GetLocation());
        }
    }

    /// <summary>Keeps every cast and pattern of AsyncState, and every socket passed as a Begin state, where they are.</summary>
    private void BlockAsyncStates(string reason, Location? location)
    {
        foreach (INamedTypeSymbol swapped in _symbols.SwappedTypes)
        {
            _groups.Block(AsyncStateKey(swapped), reason, location);
        }
    }

    /// <summary>
    /// <c>ar.AsyncState is Socket s</c> reads a Begin call's state as the cast does (see <see cref="AsyncStateKey"/>);
    /// a type pattern over anything else produces a socket the analysis does not follow.
    /// </summary>
    private void TypePattern(IDeclarationPatternOperation pattern, ILocalSymbol local)
    {
        // 'x is Socket s', 'case Socket s:' and a switch expression's 'Socket s =>' arm: what the pattern tests.
        IOperation? input = pattern.Parent switch
        {
            IIsPatternOperation test => test.Value,
            IPatternCaseClauseOperation { Parent: ISwitchCaseOperation { Parent: ISwitchOperation switchStatement } } => switchStatement.Value,
            ISwitchExpressionArmOperation { Parent: ISwitchExpressionOperation switchExpression } => switchExpression.Value,
            _ => null,
        };
        while (input is IConversionOperation { IsImplicit: true } implicitly)
        {
            input = implicitly.Operand;
        }

        if (input is not null && _symbols.IsAsyncStateRead(input) && _symbols.IsSwapped(local.Type))
        {
            _groups.Union(local, AsyncStateKey(local.Type));
            return;
        }

        Block(local, $"a type pattern on {input?.Type?.ToDisplayString() ?? "an expression"} produces the {Noun(local.Type)}");
    }

    /// <summary>How a reason names the value it is about: socket, listener, client or stream, by the type it carries.</summary>
    private string Noun(ITypeSymbol? type)
    {
        INamedTypeSymbol? swapped = _symbols.SwappedIn(type);
        return SymbolEqualityComparer.Default.Equals(swapped, _symbols.Listener) ? "listener"
            : SymbolEqualityComparer.Default.Equals(swapped, _symbols.TcpClient) ? "client"
            : SymbolEqualityComparer.Default.Equals(swapped, _symbols.NetworkStream) ? "stream"
            : "socket";
    }

    private static TypeSyntax? CastType(SyntaxNode syntax) => syntax switch
    {
        CastExpressionSyntax cast => cast.Type,
        BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.AsExpression) => binary.Right as TypeSyntax,
        _ => null,
    };

    /// <summary>The member a call, creation or member access binds to.</summary>
    private static ISymbol? Member(IOperation operation) => operation switch
    {
        IInvocationOperation invocation => invocation.TargetMethod,
        IObjectCreationOperation { Constructor: { } constructor } => constructor,
        IPropertyReferenceOperation property => property.Property,
        IFieldReferenceOperation field => field.Field,
        _ => null,
    };

    /// <summary>
    /// A member whose Socket-typed parts come from type arguments (<c>dict.TryAdd(socket, state)</c> on a
    /// <c>ConcurrentDictionary&lt;Socket, State&gt;</c>, <c>Task.FromResult(socket)</c>, <c>pair.Key</c>,
    /// <c>list.Select(s =&gt; ...)</c>) is the same code for BypassSocket: the receiver, those arguments and the result
    /// are swapped together. Parts its definition types as Socket itself are left to the other rules.
    /// </summary>
    private void Parametric(IOperation operation, ISymbol member)
    {
        if (IsSocketMember(member))
        {
            return;
        }

        bool any = false;
        if (Instance(operation) is { } instance && _symbols.IsSocketish(instance.Type))
        {
            _groups.Union(operation, instance);
            any = true;
        }

        if (_symbols.IsSocketish(operation.Type) && !_symbols.NamesSocket(DefinitionType(member)))
        {
            any = true;
        }

        foreach (IArgumentOperation argument in Arguments(operation))
        {
            if (argument.Parameter is { } parameter && _symbols.IsSocketish(argument.Value.Type)
                && !_symbols.NamesSocket(parameter.OriginalDefinition.Type))
            {
                _groups.Union(operation, argument.Value);
                any = true;
            }
        }

        if (!any)
        {
            return;
        }

        if (!ConstraintsHold(member))
        {
            Block(operation, $"{member.OriginalDefinition.ToDisplayString()} constrains its type parameters in a way BypassSocket may not meet");
        }

        // Type arguments written out (Task.FromResult<Socket>(s), new List<Socket>()) are rewritten with the group.
        foreach (TypeSyntax written in WrittenTypeArguments(operation.Syntax))
        {
            foreach (Location location in SocketNames.In(written, _symbols, operation.SemanticModel))
            {
                _groups.AddRewrite(operation, location);
            }
        }
    }

    private bool IsSocketMember(ISymbol member) =>
        _symbols.IsSwapped(member.ContainingType) || member.ContainingType?.SpecialType == SpecialType.System_Object;

    private static IOperation? Instance(IOperation operation) => operation switch
    {
        IInvocationOperation invocation => invocation.Instance,
        IPropertyReferenceOperation property => property.Instance,
        IFieldReferenceOperation field => field.Instance,
        _ => null,
    };

    private static System.Collections.Generic.IEnumerable<IArgumentOperation> Arguments(IOperation operation) => operation switch
    {
        IInvocationOperation invocation => invocation.Arguments,
        IObjectCreationOperation creation => creation.Arguments,
        IPropertyReferenceOperation property => property.Arguments,
        _ => Enumerable.Empty<IArgumentOperation>(),
    };

    private static ITypeSymbol? DefinitionType(ISymbol member) => (member is IFieldSymbol { CorrespondingTupleField: { } item } ? item : member).OriginalDefinition switch
    {
        IMethodSymbol { MethodKind: MethodKind.Constructor } constructor => constructor.ContainingType,
        IMethodSymbol method => method.ReturnType,
        IPropertySymbol property => property.Type,
        IFieldSymbol field => field.Type,
        _ => null,
    };

    /// <summary>True when the operation's socket-typed result comes from type arguments (see <see cref="Parametric"/>).</summary>
    private bool IsParametricResult(IOperation operation) =>
        Member(operation) is { } member && !IsSocketMember(member) && !_symbols.NamesSocket(DefinitionType(member))
        && (member is not IMethodSymbol { MethodKind: MethodKind.Constructor } || ((IMethodSymbol)member).ContainingType.IsGenericType);

    private bool ConstraintsHold(ISymbol member)
    {
        for (ISymbol? current = member; current is not null; current = current.ContainingType)
        {
            ImmutableArray<ITypeParameterSymbol> parameters = current is IMethodSymbol m ? m.TypeParameters : current is INamedTypeSymbol t ? t.TypeParameters : ImmutableArray<ITypeParameterSymbol>.Empty;
            ImmutableArray<ITypeSymbol> arguments = current is IMethodSymbol m2 ? m2.TypeArguments : current is INamedTypeSymbol t2 ? t2.TypeArguments : ImmutableArray<ITypeSymbol>.Empty;
            for (int i = 0; i < parameters.Length && i < arguments.Length; i++)
            {
                if (!_symbols.IsSocketish(arguments[i]))
                {
                    continue;
                }

                ITypeParameterSymbol parameter = parameters[i];
                if (parameter.HasValueTypeConstraint || parameter.HasUnmanagedTypeConstraint || parameter.HasConstructorConstraint)
                {
                    return false;
                }

                foreach (ITypeSymbol constraint in parameter.ConstraintTypes)
                {
                    if (constraint is ITypeParameterSymbol || !_symbols.IsSwapped(arguments[i]) || !_symbols.IsImplementedByCounterpart(arguments[i], constraint))
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    private static System.Collections.Generic.IEnumerable<TypeSyntax> WrittenTypeArguments(SyntaxNode syntax)
    {
        switch (syntax)
        {
            case InvocationExpressionSyntax { Expression: var callee }:
                SimpleNameSyntax? name = callee switch
                {
                    MemberAccessExpressionSyntax access => access.Name,
                    MemberBindingExpressionSyntax binding => binding.Name,
                    SimpleNameSyntax simple => simple,
                    _ => null,
                };
                return name is GenericNameSyntax generic ? generic.TypeArgumentList.Arguments : Enumerable.Empty<TypeSyntax>();
            case ObjectCreationExpressionSyntax creation:
                return new[] { creation.Type };
            default:
                return Enumerable.Empty<TypeSyntax>();
        }
    }

    /// <summary>
    /// <c>foreach (var s in sockets)</c>, <c>foreach (var (socket, state) in map)</c>: the loop variables are the
    /// collection's elements, as long as the element type comes from the collection's type arguments.
    /// </summary>
    private void ForEach(IForEachLoopOperation loop)
    {
        IOperation collection = loop.Collection is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : loop.Collection;
        bool socketLocals = loop.Locals.Any(l => _symbols.IsSocketish(l.Type));
        if (!_symbols.IsSocketish(collection.Type) && !socketLocals)
        {
            return;
        }

        ForEachStatementInfo info = loop.Syntax is CommonForEachStatementSyntax syntax && loop.SemanticModel is { } model
            ? model.GetForEachStatementInfo(syntax)
            : default;
        if (info.CurrentProperty is not { } current || _symbols.NamesSocket(current.OriginalDefinition.Type)
            || !_symbols.IsSocketish(collection.Type)
            || !(info.ElementConversion.IsIdentity || loop.Syntax is ForEachVariableStatementSyntax))
        {
            Block(loop.LoopControlVariable, "a foreach whose element type is not the collection's type argument");
            return;
        }

        if (loop.Syntax is ForEachVariableStatementSyntax && info.ElementType is INamedTypeSymbol element
            && !(element.IsTupleType || element.OriginalDefinition.ToDisplayString() == "System.Collections.Generic.KeyValuePair<TKey, TValue>"))
        {
            Block(loop.LoopControlVariable, $"a foreach that deconstructs {element.ToDisplayString()}");
            return;
        }

        _groups.Union(loop.LoopControlVariable, collection);
        foreach (ILocalSymbol local in loop.Locals)
        {
            if (_symbols.IsSocketish(local.Type))
            {
                _groups.Union(local, collection);
            }
        }
    }

    /// <summary>A lambda's Socket parameters and results are typed by its delegate: they swap with it.</summary>
    private void Lambda(IAnonymousFunctionOperation lambda)
    {
        IMethodSymbol method = lambda.Symbol;
        if (lambda.Parent is not IDelegateCreationOperation creation)
        {
            return;
        }

        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (_symbols.IsSocketish(parameter.Type))
            {
                _groups.Union(creation, parameter);
            }
        }

        if (_symbols.IsSocketish(method.ReturnType))
        {
            _groups.Union(creation, method);
        }
    }

    /// <summary>Where the value of <paramref name="operation"/> comes from.</summary>
    private void Source(IOperation operation)
    {
        if (IsParametricResult(operation))
        {
            // Unioned with its receiver and arguments by Parametric.
            return;
        }

        switch (operation)
        {
            case ILocalReferenceOperation local:
                _groups.Union(operation, local.Local);
                break;
            case IParameterReferenceOperation parameter:
                _groups.Union(operation, ParameterKey(parameter.Parameter));
                break;
            case IFieldReferenceOperation field when IsInSource(field.Field) && !field.Field.IsConst && !field.Field.ContainingType.IsTupleType:
                _groups.Union(operation, field.Field.OriginalDefinition);
                break;
            case IPropertyReferenceOperation property when property.Instance is { } instance && _symbols.IsSwapped(instance.Type):
                // The counterpart has the same Socket-typed properties (checked at the receiver): listener.Server.
                _groups.Union(operation, instance);
                break;
            case IPropertyReferenceOperation property when IsInSource(property.Property) && !property.Property.IsIndexer:
                _groups.Union(operation, property.Property.OriginalDefinition);
                break;
            case IPropertyReferenceOperation property:
                Acquired(operation, $"the {Noun(operation.Type)} comes from {property.Property.ToDisplayString()}");
                break;
            case IObjectCreationOperation creation:
                Creation(creation);
                break;
            case IInvocationOperation invocation when invocation.Instance is { } instance && _symbols.IsSwapped(instance.Type):
                // listener.AcceptAsync(), tcpListener.AcceptSocket(): the swap turns the result into a BypassSocket
                // exactly when it turns the receiver into its counterpart. (Whether the member exists is checked at
                // the receiver.)
                _groups.Union(operation, instance);
                break;
            case IInvocationOperation invocation when IsSwappableMethod(invocation.TargetMethod):
                _groups.Union(operation, invocation.TargetMethod.OriginalDefinition);
                break;
            case IInvocationOperation { Instance: null } invocation when _symbols.IsSwapped(invocation.TargetMethod.ContainingType)
                && _symbols.IsSwapped(operation.Type) && _symbols.HasCounterpart(invocation.TargetMethod):
                // TcpListener.Create(port): the counterpart has the same factory; the type name before the dot is
                // rewritten with the group.
                Factory(invocation);
                break;
            case IInvocationOperation invocation:
                Acquired(operation, $"the {Noun(operation.Type)} comes from {invocation.TargetMethod.ToDisplayString()}");
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
                    Block(operation, "an unrecognised conditional access");
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
                    Block(operation, "an unrecognised object initializer");
                }

                break;
            case IConversionOperation conversion:
                if (IsNullOrDefault(conversion.Operand) || conversion.Operand is IThrowOperation)
                {
                    // null, default, or the throw of 'socket ?? throw new ArgumentNullException(...)': no socket comes from it.
                    _groups.Touch(operation);
                }
                else if (IsSameShape(conversion))
                {
                    _groups.Union(operation, conversion.Operand);
                }
                else if (_symbols.IsAsyncStateRead(conversion.Operand) && _symbols.IsSwapped(conversion.Type))
                {
                    // (Socket)ar.AsyncState: a socket the program passed as a Begin call's state (see Use and
                    // AsyncStates); the cast swaps with those sockets.
                    _groups.Union(operation, AsyncStateKey(conversion.Type!));
                    foreach (Location location in SocketNames.In(CastType(conversion.Syntax), _symbols, operation.SemanticModel))
                    {
                        _groups.AddRewrite(operation, location);
                    }
                }
                else
                {
                    Block(operation, $"a cast from {conversion.Operand.Type?.ToDisplayString() ?? "an expression"} produces the socket");
                }

                break;
            case ITupleOperation tuple:
                foreach (IOperation element in tuple.Elements)
                {
                    if (_symbols.IsSocketish(element.Type))
                    {
                        _groups.Union(operation, element);
                    }
                }

                break;
            case IArrayCreationOperation array:
                foreach (Location location in SocketNames.In(((ArrayCreationExpressionSyntax?)(array.Syntax as ArrayCreationExpressionSyntax))?.Type, _symbols, operation.SemanticModel))
                {
                    _groups.AddRewrite(operation, location);
                }

                if (array.Syntax is ImplicitArrayCreationExpressionSyntax)
                {
                    Block(operation, "an implicitly typed array of sockets (new[] { ... })");
                }

                if (array.Initializer is { } initializer)
                {
                    foreach (IOperation element in initializer.ElementValues)
                    {
                        _groups.Union(operation, element);
                    }
                }

                break;
            case IArrayElementReferenceOperation element:
                _groups.Union(operation, element.ArrayReference);
                break;
            case ICollectionExpressionOperation collection:
                // [] or [a, b]: typed by its target; no type name to rewrite.
                _groups.Touch(operation);
                foreach (IOperation element in collection.Elements)
                {
                    if (_symbols.IsSocketish(element.Type))
                    {
                        _groups.Union(operation, element);
                    }
                    else if (element is ISpreadOperation spread)
                    {
                        _groups.Union(operation, spread.Operand);
                    }
                }

                break;
            case IDelegateCreationOperation { Target: IAnonymousFunctionOperation }:
                // Unioned with the lambda's parameters and result by Lambda.
                _groups.Touch(operation);
                break;
            case ILiteralOperation:
            case IDefaultValueOperation:
            case IDiscardOperation:
            case IDeclarationExpressionOperation:
                _groups.Touch(operation);
                break;
            default:
                Block(operation, $"the {Noun(operation.Type)} comes from a {operation.Kind} the analysis does not follow");
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
            case IUsingDeclarationOperation:
            case IVariableDeclarationOperation:
            case INameOfOperation:
            case ITupleOperation:
            case IArrayElementReferenceOperation:
            case IArrayInitializerOperation:
            case ICollectionExpressionOperation:
            case ISpreadOperation:
            case ILockOperation:
            case IConditionalAccessOperation access when access.Operation == operation:
                return;
            case IDeclarationExpressionOperation:
                _groups.Union(operation, parent);
                return;
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } comparison:
                Compared(operation, comparison, operation);
                return;
            case IBinaryOperation:
                return;
            case IConditionalAccessOperation:
                return;
            case IForEachLoopOperation loop when loop.LoopControlVariable == operation:
                return;
            case IForEachLoopOperation loop when loop.Collection == operation:
                return;
            case IConversionOperation { Parent: IForEachLoopOperation loop } when loop.Collection == parent:
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
            case IParameterInitializerOperation:
                return;
            case IReturnOperation { Kind: OperationKind.Return or OperationKind.YieldReturn } returned:
                if (returned.Kind == OperationKind.YieldReturn)
                {
                    Block(operation, $"the {Noun(operation.Type)} is yielded from an iterator");
                }
                else if (ReturnSlot(returned, owningSymbol) is { } slot)
                {
                    _groups.Union(operation, slot);
                }
                else
                {
                    Block(operation, $"the {Noun(operation.Type)} is returned from something the analysis does not follow");
                }

                return;
            case IArgumentOperation argument:
                Argument(operation, argument);
                return;
            case IInvocationOperation invocation when invocation.Instance == operation:
                if (_symbols.Counterpart(operation.Type) is { } counterpart && invocation.TargetMethod.ContainingType?.SpecialType == SpecialType.System_Object
                    && !_symbols.HasCounterpart(invocation.TargetMethod))
                {
                    Block(operation, $"{invocation.TargetMethod.Name}() returns something else for a {counterpart.Name}");
                }
                else if (_symbols.Counterpart(operation.Type) is { } other && !_symbols.HasCounterpart(invocation.TargetMethod, operation.Type))
                {
                    Block(operation, $"{other.Name} has no {invocation.TargetMethod.ToDisplayString()}");
                }
                else if (_symbols.IsSocket(operation.Type) && !_symbols.FlagsSupported(invocation))
                {
                    Block(operation, $"{invocation.TargetMethod.Name} passes SocketFlags that BypassSocket does not carry (only None, and Peek on receives, as constants)");
                }

                return;
            case IPropertyReferenceOperation property when property.Instance == operation:
                if (_symbols.Counterpart(operation.Type) is { } owner && !_symbols.HasCounterpart(property.Property, operation.Type))
                {
                    Block(operation, $"{owner.Name} has no {property.Property.ToDisplayString()}");
                }

                return;
            case IFieldReferenceOperation field when field.Instance == operation:
                return;
            case IDelegateCreationOperation:
                return;
            case IConversionOperation { Parent: IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } comparison } conversion
                when conversion.Type?.SpecialType == SpecialType.System_Object:
                Compared(operation, comparison, conversion);
                return;
            case IConversionOperation conversion:
                if (IsSameShape(conversion)
                    || SymbolEqualityComparer.Default.Equals(conversion.Type, _symbols.IDisposable)
                    || SymbolEqualityComparer.Default.Equals(conversion.Type, _symbols.IAsyncDisposable)
                    || (conversion.Type?.SpecialType == SpecialType.System_Object && IsIdentityOnlyUse(conversion.Parent))
                    || (conversion.Type is { } target && conversion.GetConversion() is { IsUserDefined: false }
                        && _symbols.CounterpartConvertsTo(operation.Type!, target)))
                {
                    return;
                }

                if (conversion.Type?.SpecialType == SpecialType.System_Object && conversion.Parent is IArgumentOperation stateArgument
                    && _symbols.IsSwapped(operation.Type) && StateArgument(operation, stateArgument))
                {
                    return;
                }

                Block(operation, $"the {Noun(operation.Type)} is converted to {conversion.Type?.ToDisplayString()}");
                return;
            case IIsPatternOperation { Pattern: var pattern } when IsNullPattern(pattern):
                return;
            default:
                Block(operation, $"the {Noun(operation.Type)} is used in a {parent.Kind} that the analysis does not follow");
                return;
        }
    }

    /// <summary>
    /// An implicit identity or reference conversion between two socket-carrying types (<c>List&lt;Socket&gt;</c> to
    /// <c>IEnumerable&lt;Socket&gt;</c>, a tuple literal to its declared tuple type): it holds for BypassSocket too.
    /// </summary>
    private bool IsSameShape(IConversionOperation conversion) =>
        SymbolEqualityComparer.Default.Equals(conversion.Operand.Type, conversion.Type)
        || (conversion.IsImplicit && _symbols.IsSocketish(conversion.Type) && _symbols.IsSocketish(conversion.Operand.Type)
            && conversion.GetConversion() is { IsUserDefined: false } c && (c.IsIdentity || c.IsReference || c.IsTupleLiteralConversion || c.IsTupleConversion)
            && !_symbols.IsSwapped(conversion.Type) && !_symbols.IsSwapped(conversion.Operand.Type));

    /// <summary>
    /// An argument to an API that only looks at the reference (<c>ArgumentNullException.ThrowIfNull(socket)</c>,
    /// <c>ReferenceEquals</c>, <c>GC.KeepAlive</c>): the same for a BypassSocket.
    /// </summary>
    private static bool IsIdentityOnlyUse(IOperation? parent) =>
        parent is IArgumentOperation { Parent: IInvocationOperation { TargetMethod: var method } }
        && (method.ContainingType?.ToDisplayString(), method.Name) is
            ("System.ArgumentNullException", "ThrowIfNull") or ("object", "ReferenceEquals") or ("System.GC", "KeepAlive");

    /// <summary>
    /// <c>a == b</c> between two sockets compares references, through object: after the swap both sides must still have
    /// the same type or it no longer compiles, so a socket compared with another joins its group. Against null, an
    /// object or anything else, nothing changes.
    /// </summary>
    private void Compared(IOperation operation, IBinaryOperation comparison, IOperation side)
    {
        IOperation other = comparison.LeftOperand == side ? comparison.RightOperand : comparison.LeftOperand;
        IOperation otherValue = other is IConversionOperation { IsImplicit: true } converted ? converted.Operand : other;
        if (_symbols.IsSocketish(otherValue.Type))
        {
            _groups.Union(operation, otherValue);
        }
    }

    private void Argument(IOperation operation, IArgumentOperation argument)
    {
        IParameterSymbol? parameter = argument.Parameter;
        if (parameter is null)
        {
            Block(operation, $"the {Noun(operation.Type)} is passed to an unknown parameter");
            return;
        }

        if (!_symbols.NamesSocket(parameter.OriginalDefinition.Type) && parameter.ContainingSymbol is { } member
            && !IsSocketMember(member))
        {
            // Swapped with the call's other type-argument parts (Parametric).
            return;
        }

        // new NetworkStream(socket, FileAccess.ReadWrite): a member of a swapped type whose counterpart has the same
        // member, taking the counterpart (BypassNetworkStream(BypassSocket, FileAccess)): the argument swaps with the
        // call's receiver, or with what the constructor creates.
        if (parameter.ContainingSymbol is IMethodSymbol { } swappedMember && IsSocketMember(swappedMember)
            && swappedMember.ContainingType?.SpecialType != SpecialType.System_Object && _symbols.HasCounterpart(swappedMember))
        {
            if (argument.Parent is IInvocationOperation { Instance: IInstanceReferenceOperation, TargetMethod.MethodKind: MethodKind.Constructor } baseCall)
            {
                // : base(socket) in a class derived from NetworkStream: the counterpart is sealed, so the class cannot follow.
                Block(operation, $"the {Noun(operation.Type)} is passed to the constructor of {baseCall.TargetMethod.ContainingType.Name} from a class derived from it, and {_symbols.Counterpart(baseCall.TargetMethod.ContainingType)?.Name} is sealed");
                return;
            }

            IOperation? owner = argument.Parent switch
            {
                IObjectCreationOperation creation => creation,
                IInvocationOperation { Instance: { } instance } => instance,
                _ => null,
            };
            if (owner is not null)
            {
                _groups.Union(operation, owner);
                return;
            }
        }

        // ref and out parameters of a method in source are swapped with their arguments: both sides change together.
        if (parameter.ContainingSymbol is IMethodSymbol method && IsSwappableMethod(method) && !parameter.IsParams)
        {
            _groups.Union(operation, ParameterKey(parameter));
            return;
        }

        Block(operation, $"the {Noun(operation.Type)} is passed to {parameter.ContainingSymbol.ToDisplayString()}, which needs a {_symbols.SwappedIn(operation.Type)?.Name ?? "Socket"}");
    }

    private void Creation(IObjectCreationOperation creation)
    {
        if (creation.Constructor is { } streamConstructor && SymbolEqualityComparer.Default.Equals(creation.Type, _symbols.NetworkStream))
        {
            // new NetworkStream(socket, ...): not a socket of its own; it joins the group of the socket it wraps
            // (through the argument, see Argument).
            if (!_symbols.HasCounterpart(streamConstructor))
            {
                Block(creation, $"{_symbols.BypassNetworkStream?.Name} has no constructor like {streamConstructor.ToDisplayString()}");
            }

            _groups.Touch(creation);
            if (creation.Syntax is ObjectCreationExpressionSyntax { Type: var written })
            {
                _groups.AddRewrite(creation, written.GetLocation());
            }

            return;
        }

        if (creation.Constructor is { } tcpConstructor && _symbols.IsSwapped(creation.Type) && !_symbols.IsSocket(creation.Type))
        {
            TcpCreation(creation, tcpConstructor);
            return;
        }

        if (!_symbols.IsSocket(creation.Type) || creation.Constructor is not { } constructor)
        {
            Block(creation, "an unrecognised object creation");
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
                Block(creation, $"BypassSocket has no constructor like {constructor.ToDisplayString()}");
                return;
            }
        }

        if (socketType is null || protocolType is null)
        {
            // Possibly TCP: worth a BYP102, since making them constants lets the group move.
            Acquired(creation, "only TCP stream sockets (SocketType.Stream, ProtocolType.Tcp as constants) can be swapped");
            return;
        }

        if (socketType != SocketTypeStream || protocolType != ProtocolTypeTcp)
        {
            Block(creation, "only TCP stream sockets (SocketType.Stream, ProtocolType.Tcp as constants) can be swapped");
            return;
        }

        if (addressFamilyKnown && addressFamily is { } family && family != AddressFamilyInterNetwork && family != AddressFamilyInterNetworkV6)
        {
            Block(creation, "only IPv4 and IPv6 sockets can be swapped");
            return;
        }

        Location? typeLocation = creation.Syntax is ObjectCreationExpressionSyntax explicitCreation ? explicitCreation.Type.GetLocation() : null;
        _groups.AddOrigin(creation, new SocketGroups.Origin(creation.Syntax.GetLocation(), typeLocation, _symbols.Socket));
    }

    /// <summary>
    /// <c>new TcpListener(IPAddress.Any, port)</c>, <c>new TcpClient()</c>: TCP stream sockets by construction, swapped
    /// when the counterpart has the same constructor (not the obsolete <c>TcpListener(int)</c>).
    /// </summary>
    private void TcpCreation(IObjectCreationOperation creation, IMethodSymbol constructor)
    {
        if (!_symbols.HasCounterpart(constructor))
        {
            Acquired(creation, $"{_symbols.Counterpart(creation.Type)?.Name} has no constructor like {constructor.ToDisplayString()}");
            return;
        }

        Location? typeLocation = creation.Syntax is ObjectCreationExpressionSyntax explicitCreation ? explicitCreation.Type.GetLocation() : null;
        _groups.AddOrigin(creation, new SocketGroups.Origin(creation.Syntax.GetLocation(), typeLocation, (INamedTypeSymbol)creation.Type!));
    }

    /// <summary>A static factory of a swapped type (<c>TcpListener.Create(port)</c>) whose counterpart has the same one.</summary>
    private void Factory(IInvocationOperation invocation)
    {
        if (invocation.Syntax is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: TypeSyntax receiver } }
            || invocation.SemanticModel is not { } model
            || !_symbols.IsSwapped(model.GetSymbolInfo(receiver).Symbol as ITypeSymbol))
        {
            // Called without naming the type (using static): nothing to rewrite it through.
            Acquired(invocation, $"the {invocation.TargetMethod.ContainingType.Name} comes from {invocation.TargetMethod.ToDisplayString()}");
            return;
        }

        _groups.AddOrigin(invocation, new SocketGroups.Origin(invocation.Syntax.GetLocation(), receiver.GetLocation(), (INamedTypeSymbol)invocation.Type!));
    }

    /// <summary>
    /// Overrides and interface implementations of a type: each is swapped together with the member it overrides or
    /// implements (parameter by parameter, and the result), so an interface with forty implementations in source moves
    /// as one group. A member whose counterpart is in a referenced assembly, or types the socket through a type
    /// argument of its base (<c>IHandler&lt;Socket&gt;</c>), blocks the group.
    /// </summary>
    public void VisitType(INamedTypeSymbol type)
    {
        if (_symbols.IAsyncResult is { } asyncResult && type.AllInterfaces.Contains(asyncResult, SymbolEqualityComparer.Default))
        {
            // The program's own IAsyncResult: its AsyncState may be anything it was given, not a Begin call's state.
            BlockAsyncStates($"{type.ToDisplayString()} implements IAsyncResult, so IAsyncResult.AsyncState may hold a socket the analysis does not follow", type.Locations.FirstOrDefault(l => l.IsInSource));
        }

        foreach (ISymbol member in type.GetMembers())
        {
            switch (member)
            {
                case IMethodSymbol { MethodKind: MethodKind.Ordinary, OverriddenMethod: { } overridden } method when MentionsSocket(method):
                    Pair(method, overridden, "overrides");
                    break;
                case IPropertySymbol { OverriddenProperty: { } overridden } property when MentionsSocket(property):
                    Pair(property, overridden, "overrides");
                    break;
            }
        }

        foreach (INamedTypeSymbol @interface in type.AllInterfaces)
        {
            foreach (ISymbol member in @interface.GetMembers())
            {
                if (member is IMethodSymbol { MethodKind: MethodKind.Ordinary } or IPropertySymbol && MentionsSocket(member)
                    && type.FindImplementationForInterfaceMember(member) is { } implementation)
                {
                    Pair(implementation, member, "implements");
                }
            }
        }
    }

    private bool MentionsSocket(ISymbol member) => member switch
    {
        IMethodSymbol method => _symbols.IsSocketish(method.ReturnType) || method.Parameters.Any(p => _symbols.IsSocketish(p.Type)),
        IPropertySymbol property => _symbols.IsSocketish(property.Type),
        _ => false,
    };

    private void Pair(ISymbol member, ISymbol contract, string verb)
    {
        switch (member, contract)
        {
            case (IMethodSymbol method, IMethodSymbol baseMethod):
                for (int i = 0; i < method.Parameters.Length && i < baseMethod.Parameters.Length; i++)
                {
                    PairSlot(ParameterKey(method.Parameters[i]), method.Parameters[i].Type, baseMethod.Parameters[i], baseMethod.OriginalDefinition.Parameters[i].Type, contract, verb);
                }

                if (!method.ReturnsVoid)
                {
                    PairSlot(method.OriginalDefinition, method.ReturnType, baseMethod.OriginalDefinition, baseMethod.OriginalDefinition.ReturnType, contract, verb);
                }

                break;
            case (IPropertySymbol property, IPropertySymbol baseProperty):
                PairSlot(property.OriginalDefinition, property.Type, baseProperty.OriginalDefinition, baseProperty.OriginalDefinition.Type, contract, verb);
                break;
        }
    }

    private void PairSlot(ISymbol slot, ITypeSymbol type, ISymbol contractSlot, ITypeSymbol contractDefinitionType, ISymbol contract, string verb)
    {
        if (!_symbols.IsSocketish(type))
        {
            return;
        }

        if (!_symbols.NamesSocket(contractDefinitionType))
        {
            Block(slot, $"{slot.ContainingSymbol.ToDisplayString()} {verb} {contract.ToDisplayString()}, which takes the socket through a type argument");
            return;
        }

        if (!IsInSource(contract.OriginalDefinition))
        {
            Block(slot, $"{slot.ContainingSymbol.ToDisplayString()} {verb} {contract.ToDisplayString()} of a referenced assembly, whose signature needs a Socket");
            return;
        }

        ISymbol key = contractSlot is IParameterSymbol parameter ? ParameterKey(parameter.OriginalDefinition) : contractSlot;
        _groups.Union(slot, key);
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
            Block(method, $"{method.ToDisplayString()} is used as a delegate");
        }

        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (_symbols.IsSocketish(parameter.Type))
            {
                Block(parameter, $"{method.ToDisplayString()} is used as a delegate");
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
                case IAnonymousFunctionOperation lambda:
                    return lambda.Symbol;
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
        && method.MethodKind is MethodKind.Ordinary or MethodKind.LocalFunction or MethodKind.Constructor or MethodKind.PropertySet or MethodKind.PropertyGet
            or MethodKind.ExplicitInterfaceImplementation;

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
