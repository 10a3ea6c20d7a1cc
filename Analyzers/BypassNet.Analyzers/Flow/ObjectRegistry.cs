using Microsoft.CodeAnalysis;

namespace BypassNet.Analyzers.Flow;

/// <summary>
/// Numbers the abstract objects of one control flow graph: the value a tracked variable holds on entry, one object
/// per acquisition site (a call, creation or await yielding an [Owned] value), and one per other assignment site.
/// A site yields the same object in every loop iteration; a new acquisition there overwrites its state.
/// </summary>
internal sealed class ObjectRegistry
{
    private readonly List<ObjectInfo> _objects = new();
    private readonly Dictionary<object, int> _ids = new();

    public int Count => _objects.Count;

    public ObjectInfo this[int id] => _objects[id];

    public int GetOrAdd(object key, ObjectKind kind, IOperation? site)
    {
        if (key is ISymbol symbol)
        {
            key = new SymbolKey(symbol);
        }

        if (!_ids.TryGetValue(key, out var id))
        {
            id = _objects.Count;
            _objects.Add(new ObjectInfo(kind, site));
            _ids[key] = id;
        }

        return id;
    }

    private readonly struct SymbolKey : IEquatable<SymbolKey>
    {
        private readonly ISymbol _symbol;

        public SymbolKey(ISymbol symbol) => _symbol = symbol;

        public bool Equals(SymbolKey other) => SymbolEqualityComparer.Default.Equals(_symbol, other._symbol);

        public override bool Equals(object? obj) => obj is SymbolKey other && Equals(other);

        public override int GetHashCode() => SymbolEqualityComparer.Default.GetHashCode(_symbol);
    }
}

/// <summary>How an abstract object came to be.</summary>
internal enum ObjectKind
{
    /// <summary>The value a parameter, field of this, or captured variable holds when the body starts; owned by the body.</summary>
    Initial,

    /// <summary>An owned value this body acquired; it must be released before the body ends.</summary>
    Acquired,

    /// <summary>A value assigned from an expression that is not an acquisition; tracked for handoffs, not for leaks.</summary>
    Unknown,
}

/// <summary>One abstract object.</summary>
internal readonly struct ObjectInfo
{
    public ObjectInfo(ObjectKind kind, IOperation? site)
    {
        Kind = kind;
        Site = site;
    }

    public ObjectKind Kind { get; }

    public IOperation? Site { get; }
}
