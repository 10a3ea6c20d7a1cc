using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.Analyzers.Migration;

/// <summary>
/// The types the migration rules look at, and the question "does the BypassNet counterpart have this member, with the
/// same shape?" (answered once per member and cached). Four types are swapped: <c>Socket</c> for <c>BypassSocket</c>,
/// <c>TcpListener</c> for <c>BypassTcpListener</c>, <c>TcpClient</c> for <c>BypassTcpClient</c> and <c>NetworkStream</c>
/// for <c>BypassNetworkStream</c>. Each counterpart hands out the others where the original did (a listener's accepted
/// sockets and clients, a client's socket and stream), so all of them swap together, as one group.
/// </summary>
internal sealed class SocketSymbols
{
    private readonly ConcurrentDictionary<ISymbol, bool> _supported = new(SymbolEqualityComparer.Default);

    private SocketSymbols(Compilation compilation, INamedTypeSymbol socket, INamedTypeSymbol bypassSocket)
    {
        Socket = socket;
        BypassSocket = bypassSocket;
        Listener = Pair(compilation, "System.Net.Sockets.TcpListener", "BypassNet.BypassTcpListener", out INamedTypeSymbol? bypassListener);
        BypassListener = bypassListener;
        NetworkStream = Pair(compilation, "System.Net.Sockets.NetworkStream", "BypassNet.BypassNetworkStream", out INamedTypeSymbol? bypassStream);
        BypassNetworkStream = bypassStream;
        TcpClient = Pair(compilation, "System.Net.Sockets.TcpClient", "BypassNet.BypassTcpClient", out INamedTypeSymbol? bypassClient);
        BypassTcpClient = bypassClient;
        SocketFlags = compilation.GetTypeByMetadataName("System.Net.Sockets.SocketFlags");
        SocketType = compilation.GetTypeByMetadataName("System.Net.Sockets.SocketType");
        ProtocolType = compilation.GetTypeByMetadataName("System.Net.Sockets.ProtocolType");
        AddressFamily = compilation.GetTypeByMetadataName("System.Net.Sockets.AddressFamily");
        OwnedBuffer = compilation.GetTypeByMetadataName("BypassNet.OwnedBuffer");
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        IDisposable = compilation.GetSpecialType(SpecialType.System_IDisposable);
        IAsyncDisposable = compilation.GetTypeByMetadataName("System.IAsyncDisposable");
        IAsyncResult = compilation.GetTypeByMetadataName("System.IAsyncResult");
        AsyncCallback = compilation.GetTypeByMetadataName("System.AsyncCallback");
    }

    public INamedTypeSymbol Socket { get; }

    public INamedTypeSymbol BypassSocket { get; }

    /// <summary>TcpListener, when the compilation also sees BypassTcpListener (an older BypassNet may not have it).</summary>
    public INamedTypeSymbol? Listener { get; }

    public INamedTypeSymbol? BypassListener { get; }

    /// <summary>NetworkStream, when the compilation also sees BypassNetworkStream: a stream over a socket swaps with it.</summary>
    public INamedTypeSymbol? NetworkStream { get; }

    public INamedTypeSymbol? BypassNetworkStream { get; }

    /// <summary>TcpClient, when the compilation also sees BypassTcpClient: a client swaps with its socket and its stream.</summary>
    public INamedTypeSymbol? TcpClient { get; }

    public INamedTypeSymbol? BypassTcpClient { get; }

    public INamedTypeSymbol? SocketFlags { get; }

    public INamedTypeSymbol? SocketType { get; }

    public INamedTypeSymbol? ProtocolType { get; }

    public INamedTypeSymbol? AddressFamily { get; }

    public INamedTypeSymbol? OwnedBuffer { get; }

    public INamedTypeSymbol? CancellationToken { get; }

    public INamedTypeSymbol IDisposable { get; }

    public INamedTypeSymbol? IAsyncDisposable { get; }

    public INamedTypeSymbol? IAsyncResult { get; }

    public INamedTypeSymbol? AsyncCallback { get; }

    /// <summary>
    /// The state argument of a Begin method (the APM shape: returns IAsyncResult, ends with an AsyncCallback and an
    /// object, whatever their names): what the matching <c>IAsyncResult.AsyncState</c> hands back to the callback.
    /// </summary>
    public bool IsAsyncState(IArgumentOperation argument) =>
        IAsyncResult is not null
        && argument.Parameter is { Type.SpecialType: SpecialType.System_Object, Ordinal: > 0 and var ordinal, ContainingSymbol: IMethodSymbol begin }
        && ordinal == begin.Parameters.Length - 1
        && SymbolEqualityComparer.Default.Equals(begin.Parameters[ordinal - 1].Type, AsyncCallback)
        && SymbolEqualityComparer.Default.Equals(begin.ReturnType, IAsyncResult);

    /// <summary>
    /// True when a value of static type <paramref name="type"/> may be one of the swapped types at run time: object,
    /// a type parameter, or a base class or interface of Socket, TcpListener, TcpClient or NetworkStream.
    /// </summary>
    public bool MayHoldSwapped(ITypeSymbol type) =>
        type.SpecialType == SpecialType.System_Object || type.TypeKind is TypeKind.TypeParameter or TypeKind.Dynamic
        || SwappedTypes.Any(swapped => InheritsFrom(swapped, type) || Implements(swapped, type));

    /// <summary>The swapped types this compilation sees: Socket, and TcpListener, TcpClient, NetworkStream when their counterparts exist.</summary>
    public IEnumerable<INamedTypeSymbol> SwappedTypes =>
        new[] { Socket, Listener, TcpClient, NetworkStream }.Where(type => type is not null).Select(type => type!);

    /// <summary>
    /// <c>ar.AsyncState</c> read through IAsyncResult itself, as an AsyncCallback receives it. Not through a Task (which
    /// implements IAsyncResult too): a task's state comes from StartNew or ContinueWith, not from a Begin call.
    /// </summary>
    public bool IsAsyncStateRead(IOperation operation) =>
        IAsyncResult is not null
        && operation is IPropertyReferenceOperation { Property: { Name: "AsyncState", ContainingType: { } owner } }
        && SymbolEqualityComparer.Default.Equals(owner, IAsyncResult);

    /// <summary>Null when the compilation cannot see both Socket and BypassNet.BypassSocket: then nothing can be swapped.</summary>
    public static SocketSymbols? Create(Compilation compilation)
    {
        INamedTypeSymbol? socket = compilation.GetTypeByMetadataName("System.Net.Sockets.Socket");
        INamedTypeSymbol? bypass = compilation.GetTypeByMetadataName("BypassNet.BypassSocket");
        if (socket is null || bypass is null || !compilation.IsSymbolAccessibleWithin(bypass, compilation.Assembly))
        {
            return null;
        }

        return new SocketSymbols(compilation, socket, bypass);
    }

    public bool IsSocket(ITypeSymbol? type) => SymbolEqualityComparer.Default.Equals(type, Socket);

    /// <summary>True for a type the swap replaces: Socket, TcpListener, NetworkStream or TcpClient.</summary>
    public bool IsSwapped(ITypeSymbol? type) => Counterpart(type) is not null;

    /// <summary>
    /// What the swap puts in place of <paramref name="type"/>: BypassSocket for Socket, BypassTcpListener for
    /// TcpListener, BypassNetworkStream for NetworkStream, BypassTcpClient for TcpClient.
    /// </summary>
    public INamedTypeSymbol? Counterpart(ITypeSymbol? type) =>
        type is null ? null
        : IsSocket(type) ? BypassSocket
        : Listener is not null && SymbolEqualityComparer.Default.Equals(type, Listener) ? BypassListener
        : NetworkStream is not null && SymbolEqualityComparer.Default.Equals(type, NetworkStream) ? BypassNetworkStream
        : TcpClient is not null && SymbolEqualityComparer.Default.Equals(type, TcpClient) ? BypassTcpClient
        : null;

    private static INamedTypeSymbol? Pair(Compilation compilation, string original, string counterpart, out INamedTypeSymbol? bypass)
    {
        bypass = compilation.GetTypeByMetadataName(counterpart);
        if (bypass is null || !compilation.IsSymbolAccessibleWithin(bypass, compilation.Assembly))
        {
            bypass = null;
            return null;
        }

        return compilation.GetTypeByMetadataName(original) is { } found ? found : (bypass = null);
    }

    /// <summary>The first swapped type inside <paramref name="type"/> (Socket in <c>Task&lt;Socket&gt;</c>), or null.</summary>
    public INamedTypeSymbol? SwappedIn(ITypeSymbol? type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return SwappedIn(array.ElementType);
            case INamedTypeSymbol named:
                if (IsSwapped(named))
                {
                    return named;
                }

                foreach (ITypeSymbol argument in named.TypeArguments)
                {
                    if (SwappedIn(argument) is { } found)
                    {
                        return found;
                    }
                }

                return named.ContainingType is { } containing ? SwappedIn(containing) : null;
            default:
                return null;
        }
    }

    /// <summary>
    /// A type that changes when Socket is read as BypassSocket (and TcpListener as BypassTcpListener): the type itself,
    /// an array of it, or a constructed generic type with such a type argument (<c>Task&lt;Socket&gt;</c>,
    /// <c>ConcurrentDictionary&lt;Socket, T&gt;</c>, <c>Func&lt;Socket, Task&gt;</c>, <c>(Socket, int)</c>), or a type
    /// nested in one (an awaiter, a KeyCollection).
    /// </summary>
    public bool IsSocketish(ITypeSymbol? type) => SwappedIn(type) is not null;

    /// <summary>
    /// True when a member's declared type (as written in its definition, before type arguments are substituted)
    /// names Socket itself. When it does not, a Socket in the constructed member's type came from a type argument,
    /// and swapping that type argument swaps the member's type with it.
    /// </summary>
    public bool NamesSocket(ITypeSymbol? definitionType) => IsSocketish(definitionType);

    /// <summary>True when the counterpart of <paramref name="swapped"/> converts implicitly to <paramref name="type"/> (an interface it implements, or object).</summary>
    public bool IsImplementedByCounterpart(ITypeSymbol swapped, ITypeSymbol type) =>
        type.SpecialType == SpecialType.System_Object
        || (Counterpart(swapped) is { } counterpart && Implements(counterpart, type));

    /// <summary>
    /// True when the counterpart type (BypassSocket for a Socket member, BypassTcpListener for a TcpListener member)
    /// has a public member with the same name, kind, parameters (same types, ref kinds and defaults) and result type as
    /// <paramref name="member"/>, reading every swapped type as its counterpart. Members inherited from object are
    /// supported except ToString and GetType, whose results differ.
    /// </summary>
    /// <param name="member">The member used.</param>
    /// <param name="receiver">The type it is used through, for a member inherited from a base class (Stream.ReadExactlyAsync on a NetworkStream).</param>
    public bool HasCounterpart(ISymbol member, ITypeSymbol? receiver = null)
    {
        member = member.OriginalDefinition;
        if (member.ContainingType?.SpecialType == SpecialType.System_Object)
        {
            return member.Name is "Equals" or "GetHashCode" or "ReferenceEquals";
        }

        if (Counterpart(member.ContainingType) is not { } counterpart)
        {
            // A base class's member (not object's) that the counterpart inherits too: the same code runs, over the
            // counterpart's overrides.
            return member.ContainingType is { TypeKind: TypeKind.Class } declaring && Counterpart(receiver) is { } receiverCounterpart
                && InheritsFrom(receiverCounterpart, declaring);
        }

        return _supported.GetOrAdd(member, m => counterpart.GetMembers(m.Name).Any(candidate => Matches(m, candidate)) || OverridesInherited(m, counterpart));
    }

    // An override of a base class's virtual (NetworkStream.BeginRead over Stream.BeginRead): the counterpart inherits
    // the base member, so the call still binds and runs over the counterpart's own Read/Write.
    private static bool OverridesInherited(ISymbol member, INamedTypeSymbol counterpart)
    {
        ISymbol? overridden = member switch
        {
            IMethodSymbol method => method.OverriddenMethod,
            IPropertySymbol property => property.OverriddenProperty,
            IEventSymbol @event => @event.OverriddenEvent,
            _ => null,
        };
        return overridden is { DeclaredAccessibility: Accessibility.Public, ContainingType: { TypeKind: TypeKind.Class } declaring }
            && declaring.SpecialType != SpecialType.System_Object
            && InheritsFrom(counterpart, declaring);
    }

    /// <summary>True when <paramref name="type"/> converts to <paramref name="target"/> by a reference conversion: a base class (not object) or an interface.</summary>
    public bool CounterpartConvertsTo(ITypeSymbol swapped, ITypeSymbol target) =>
        Counterpart(swapped) is { } counterpart
        && target.SpecialType != SpecialType.System_Object
        && (InheritsFrom(counterpart, target) || Implements(counterpart, target));

    private static bool Implements(INamedTypeSymbol type, ITypeSymbol target) =>
        target is INamedTypeSymbol named && type.AllInterfaces.Contains(named, SymbolEqualityComparer.Default);

    private static bool InheritsFrom(INamedTypeSymbol type, ITypeSymbol baseType)
    {
        for (INamedTypeSymbol? current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, baseType))
            {
                return true;
            }
        }

        return false;
    }

    private bool Matches(ISymbol socketMember, ISymbol candidate)
    {
        if (candidate.DeclaredAccessibility != Accessibility.Public || candidate.IsStatic != socketMember.IsStatic || candidate.Kind != socketMember.Kind)
        {
            return false;
        }

        switch (socketMember, candidate)
        {
            case (IMethodSymbol m, IMethodSymbol c):
                return m.TypeParameters.Length == 0 && c.TypeParameters.Length == 0
                    && m.ReturnsVoid == c.ReturnsVoid
                    && (m.ReturnsVoid || TypeMaps(m.ReturnType, c.ReturnType))
                    && ParametersMatch(m.Parameters, c.Parameters);
            case (IPropertySymbol p, IPropertySymbol c):
                return !p.IsIndexer && !c.IsIndexer
                    && TypeMaps(p.Type, c.Type)
                    && (p.GetMethod is null || c.GetMethod is { DeclaredAccessibility: Accessibility.Public })
                    && (p.SetMethod is null || c.SetMethod is { DeclaredAccessibility: Accessibility.Public });
            default:
                return false;
        }
    }

    private bool ParametersMatch(ImmutableArray<IParameterSymbol> socketParameters, ImmutableArray<IParameterSymbol> candidateParameters)
    {
        if (socketParameters.Length != candidateParameters.Length)
        {
            return false;
        }

        for (int i = 0; i < socketParameters.Length; i++)
        {
            IParameterSymbol s = socketParameters[i];
            IParameterSymbol c = candidateParameters[i];
            if (s.RefKind != c.RefKind || s.IsParams != c.IsParams || s.IsOptional != c.IsOptional || !TypeMaps(s.Type, c.Type))
            {
                return false;
            }

            if (s.HasExplicitDefaultValue != c.HasExplicitDefaultValue
                || (s.HasExplicitDefaultValue && !Equals(s.ExplicitDefaultValue, c.ExplicitDefaultValue)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when <paramref name="bypassType"/> is <paramref name="socketType"/> with every swapped type read as its counterpart.</summary>
    public bool TypeMaps(ITypeSymbol socketType, ITypeSymbol bypassType)
    {
        if (Counterpart(socketType) is { } counterpart)
        {
            return SymbolEqualityComparer.Default.Equals(bypassType, counterpart);
        }

        if (socketType is INamedTypeSymbol { IsGenericType: true } sn && bypassType is INamedTypeSymbol { IsGenericType: true } bn)
        {
            if (!SymbolEqualityComparer.Default.Equals(sn.OriginalDefinition, bn.OriginalDefinition) || sn.TypeArguments.Length != bn.TypeArguments.Length)
            {
                return false;
            }

            for (int i = 0; i < sn.TypeArguments.Length; i++)
            {
                if (!TypeMaps(sn.TypeArguments[i], bn.TypeArguments[i]))
                {
                    return false;
                }
            }

            return true;
        }

        if (socketType is IArrayTypeSymbol sa && bypassType is IArrayTypeSymbol ba)
        {
            return sa.Rank == ba.Rank && TypeMaps(sa.ElementType, ba.ElementType);
        }

        // Nullability is compared too: a member that turns "not null" into "maybe null" would add warnings after the swap.
        return SymbolEqualityComparer.Default.Equals(socketType, bypassType)
            && !(socketType.NullableAnnotation == NullableAnnotation.NotAnnotated && bypassType.NullableAnnotation == NullableAnnotation.Annotated);
    }

    /// <summary>
    /// The SocketFlags arguments of a call must be ones BypassSocket carries the same way: None for sends,
    /// None or Peek for receives, as constants.
    /// </summary>
    public bool FlagsSupported(IInvocationOperation invocation)
    {
        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            if (argument.Parameter is null || !SymbolEqualityComparer.Default.Equals(argument.Parameter.Type, SocketFlags))
            {
                continue;
            }

            if (argument.ArgumentKind == ArgumentKind.DefaultValue)
            {
                continue;
            }

            if (!argument.Value.ConstantValue.HasValue || argument.Value.ConstantValue.Value is not int flags)
            {
                return false;
            }

            int allowed = invocation.TargetMethod.Name.StartsWith("Receive", System.StringComparison.Ordinal) ? 0x2 /* Peek */ : 0;
            if ((flags & ~allowed) != 0)
            {
                return false;
            }
        }

        return true;
    }
}
