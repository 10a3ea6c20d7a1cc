using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace BypassNet.Analyzers;

/// <summary>
/// The symbols of one compilation that the ownership rules read. Created per compilation and captured by the
/// actions of that compilation, never stored in an analyzer field.
/// </summary>
internal sealed class OwnershipSymbols
{
    private const string OwnedAttributeName = "OwnedAttribute";
    private const string TakesOwnershipAttributeName = "TakesOwnershipAttribute";

    private readonly INamedTypeSymbol? _span;
    private readonly INamedTypeSymbol? _readOnlySpan;
    private readonly INamedTypeSymbol? _memory;
    private readonly INamedTypeSymbol? _readOnlyMemory;
    private readonly INamedTypeSymbol? _task;
    private readonly INamedTypeSymbol? _valueTask;
    private readonly INamedTypeSymbol? _plainTask;
    private readonly INamedTypeSymbol? _plainValueTask;
    private readonly ConcurrentDictionary<ITypeSymbol, bool> _ownedCache = new(SymbolEqualityComparer.Default);

    private OwnershipSymbols(Compilation compilation)
    {
        _span = compilation.GetTypeByMetadataName("System.Span`1");
        _readOnlySpan = compilation.GetTypeByMetadataName("System.ReadOnlySpan`1");
        _memory = compilation.GetTypeByMetadataName("System.Memory`1");
        _readOnlyMemory = compilation.GetTypeByMetadataName("System.ReadOnlyMemory`1");
        _task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        _valueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        _plainTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        _plainValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
    }

    /// <summary>True for Task, ValueTask, Task&lt;T&gt; and ValueTask&lt;T&gt;.</summary>
    public bool IsTask(ITypeSymbol? type) =>
        type is INamedTypeSymbol named
        && (SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, _task)
            || SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, _valueTask)
            || SymbolEqualityComparer.Default.Equals(named, _plainTask)
            || SymbolEqualityComparer.Default.Equals(named, _plainValueTask));

    /// <summary>Returns null when the compilation declares neither attribute, so nothing needs analysis.</summary>
    public static OwnershipSymbols? TryCreate(Compilation compilation)
    {
        // GetTypesByMetadataName also sees a copy declared in source beside the referenced runtime, where
        // GetTypeByMetadataName would answer null for the ambiguity.
        return compilation.GetTypesByMetadataName("BypassNet." + OwnedAttributeName).IsEmpty
            && compilation.GetTypesByMetadataName("BypassNet." + TakesOwnershipAttributeName).IsEmpty
            ? null
            : new OwnershipSymbols(compilation);
    }

    /// <summary>True for a type marked [Owned], or deriving from / implementing one.</summary>
    public bool IsOwned(ITypeSymbol? type)
    {
        if (type is null)
        {
            return false;
        }

        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            type = nullable.TypeArguments[0];
        }

        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct or TypeKind.Interface))
        {
            return false;
        }

        return _ownedCache.GetOrAdd(type, ComputeOwned);
    }

    private bool ComputeOwned(ITypeSymbol type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (HasAttribute(t, OwnedAttributeName))
            {
                return true;
            }
        }

        foreach (var i in type.AllInterfaces)
        {
            if (HasAttribute(i, OwnedAttributeName))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the result of awaiting a value of this type is an owned value (Task&lt;T&gt;, ValueTask&lt;T&gt;).</summary>
    public bool IsTaskOfOwned(ITypeSymbol? type) =>
        type is INamedTypeSymbol { IsGenericType: true } named
        && (SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, _task)
            || SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, _valueTask))
        && IsOwned(named.TypeArguments[0]);

    /// <summary>The positions of the [Owned] elements of a tuple type (declared, not type parameters); empty for other types.</summary>
    public ImmutableArray<int> OwnedTupleElements(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol { IsTupleType: true } tuple)
        {
            return ImmutableArray<int>.Empty;
        }

        var builder = ImmutableArray.CreateBuilder<int>();
        var elements = tuple.TupleElements;
        for (var i = 0; i < elements.Length; i++)
        {
            if (elements[i].Type.TypeKind != TypeKind.TypeParameter && IsOwned(elements[i].Type))
            {
                builder.Add(i);
            }
        }

        return builder.ToImmutable();
    }

    /// <summary>The result type of awaiting a Task&lt;T&gt; or ValueTask&lt;T&gt;; null for other types.</summary>
    public ITypeSymbol? TaskResult(ITypeSymbol? type) =>
        type is INamedTypeSymbol { IsGenericType: true } named
        && (SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, _task)
            || SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, _valueTask))
            ? named.TypeArguments[0]
            : null;

    /// <summary>True for Span, ReadOnlySpan, Memory and ReadOnlyMemory: values that point into a buffer without owning it.</summary>
    public bool IsView(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol { IsGenericType: true } named)
        {
            return false;
        }

        var def = named.OriginalDefinition;
        return SymbolEqualityComparer.Default.Equals(def, _span)
            || SymbolEqualityComparer.Default.Equals(def, _readOnlySpan)
            || SymbolEqualityComparer.Default.Equals(def, _memory)
            || SymbolEqualityComparer.Default.Equals(def, _readOnlyMemory);
    }

    /// <summary>
    /// True for an owned parameter passed by value and not declared [TakesOwnership]: the ones a method summary may find
    /// released on every path (and so infer the attribute for).
    /// </summary>
    public bool IsUndeclaredOwnedParameter(IParameterSymbol parameter) =>
        parameter.RefKind == RefKind.None && IsOwned(parameter.Type) && !TakesOwnership(parameter);

    /// <summary>True when the parameter is marked [TakesOwnership] (also through an overridden or implemented declaration).</summary>
    public bool TakesOwnership(IParameterSymbol? parameter)
    {
        if (parameter is null)
        {
            return false;
        }

        if (HasAttribute(parameter, TakesOwnershipAttributeName))
        {
            return true;
        }

        // Reduced extension methods expose the 'this' parameter through ReducedFrom.
        if (parameter.ContainingSymbol is IMethodSymbol { ReducedFrom: { } reduced } && parameter.Ordinal < reduced.Parameters.Length - 1)
        {
            return HasAttribute(reduced.Parameters[parameter.Ordinal + 1], TakesOwnershipAttributeName);
        }

        if (parameter.ContainingSymbol is IMethodSymbol { OverriddenMethod: { } overridden } && parameter.Ordinal < overridden.Parameters.Length)
        {
            return TakesOwnership(overridden.Parameters[parameter.Ordinal]);
        }

        return false;
    }

    // Matched by full metadata name so that a project (or a test) may declare its own copy of the attributes.
    private static bool HasAttribute(ISymbol symbol, string attributeName)
    {
        foreach (var data in symbol.GetAttributes())
        {
            if (data.AttributeClass is { Name: var name, ContainingNamespace: { Name: "BypassNet", ContainingNamespace.IsGlobalNamespace: true } }
                && name == attributeName)
            {
                return true;
            }
        }

        return false;
    }
}
