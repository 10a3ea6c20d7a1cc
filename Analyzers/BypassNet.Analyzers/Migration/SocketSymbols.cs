using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.Analyzers.Migration;

/// <summary>
/// The types the migration rules look at, and the question "does BypassSocket have this Socket member, with the same
/// shape?" (answered once per member and cached).
/// </summary>
internal sealed class SocketSymbols
{
    private readonly ConcurrentDictionary<ISymbol, bool> _supported = new(SymbolEqualityComparer.Default);

    private SocketSymbols(Compilation compilation, INamedTypeSymbol socket, INamedTypeSymbol bypassSocket)
    {
        Socket = socket;
        BypassSocket = bypassSocket;
        SocketFlags = compilation.GetTypeByMetadataName("System.Net.Sockets.SocketFlags");
        SocketType = compilation.GetTypeByMetadataName("System.Net.Sockets.SocketType");
        ProtocolType = compilation.GetTypeByMetadataName("System.Net.Sockets.ProtocolType");
        AddressFamily = compilation.GetTypeByMetadataName("System.Net.Sockets.AddressFamily");
        OwnedBuffer = compilation.GetTypeByMetadataName("BypassNet.OwnedBuffer");
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        IDisposable = compilation.GetSpecialType(SpecialType.System_IDisposable);
        IAsyncDisposable = compilation.GetTypeByMetadataName("System.IAsyncDisposable");
    }

    public INamedTypeSymbol Socket { get; }

    public INamedTypeSymbol BypassSocket { get; }

    public INamedTypeSymbol? SocketFlags { get; }

    public INamedTypeSymbol? SocketType { get; }

    public INamedTypeSymbol? ProtocolType { get; }

    public INamedTypeSymbol? AddressFamily { get; }

    public INamedTypeSymbol? OwnedBuffer { get; }

    public INamedTypeSymbol? CancellationToken { get; }

    public INamedTypeSymbol IDisposable { get; }

    public INamedTypeSymbol? IAsyncDisposable { get; }

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

    /// <summary>
    /// A type that changes when Socket is read as BypassSocket: Socket itself, an array of it, or a constructed generic
    /// type with such a type argument (<c>Task&lt;Socket&gt;</c>, <c>ConcurrentDictionary&lt;Socket, T&gt;</c>,
    /// <c>Func&lt;Socket, Task&gt;</c>, <c>(Socket, int)</c>), or a type nested in one (an awaiter, a KeyCollection).
    /// </summary>
    public bool IsSocketish(ITypeSymbol? type)
    {
        switch (type)
        {
            case null:
                return false;
            case IArrayTypeSymbol array:
                return IsSocketish(array.ElementType);
            case INamedTypeSymbol named:
                if (IsSocket(named))
                {
                    return true;
                }

                foreach (ITypeSymbol argument in named.TypeArguments)
                {
                    if (IsSocketish(argument))
                    {
                        return true;
                    }
                }

                return named.ContainingType is { } containing && IsSocketish(containing);
            default:
                return false;
        }
    }

    /// <summary>
    /// True when a member's declared type (as written in its definition, before type arguments are substituted)
    /// names Socket itself. When it does not, a Socket in the constructed member's type came from a type argument,
    /// and swapping that type argument swaps the member's type with it.
    /// </summary>
    public bool NamesSocket(ITypeSymbol? definitionType) => IsSocketish(definitionType);

    /// <summary>True when BypassSocket converts implicitly to <paramref name="type"/> (an interface it implements, or object).</summary>
    public bool IsImplementedByBypassSocket(ITypeSymbol type) =>
        type.SpecialType == SpecialType.System_Object
        || (type is INamedTypeSymbol named && BypassSocket.AllInterfaces.Contains(named, SymbolEqualityComparer.Default));

    /// <summary>
    /// True when BypassSocket has a public member with the same name, kind, parameters (same types, ref kinds and
    /// defaults) and result type as <paramref name="member"/> of Socket, reading Socket as BypassSocket in every type.
    /// Members inherited from object are supported except ToString and GetType, whose results differ.
    /// </summary>
    public bool HasCounterpart(ISymbol member)
    {
        member = member.OriginalDefinition;
        if (member.ContainingType?.SpecialType == SpecialType.System_Object)
        {
            return member.Name is "Equals" or "GetHashCode" or "ReferenceEquals";
        }

        if (!SymbolEqualityComparer.Default.Equals(member.ContainingType, Socket))
        {
            return false;
        }

        return _supported.GetOrAdd(member, m => BypassSocket.GetMembers(m.Name).Any(candidate => Matches(m, candidate)));
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

    /// <summary>True when <paramref name="bypassType"/> is <paramref name="socketType"/> with Socket read as BypassSocket.</summary>
    public bool TypeMaps(ITypeSymbol socketType, ITypeSymbol bypassType)
    {
        if (IsSocket(socketType))
        {
            return SymbolEqualityComparer.Default.Equals(bypassType, BypassSocket);
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
