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

    /// <summary>The variables that have an initial object (parameters, fields of this, captured variables).</summary>
    public IEnumerable<ISymbol> InitialSymbols => _initialSymbols;

    private readonly List<ISymbol> _initialSymbols = new();

    public int GetOrAdd(object key, ObjectKind kind, IOperation? site)
    {
        if (key is ISymbol symbol)
        {
            if (!_ids.ContainsKey(new SymbolKey(symbol)))
            {
                _initialSymbols.Add(symbol);
            }

            key = new SymbolKey(symbol);
        }

        if (!_ids.TryGetValue(key, out var id))
        {
            id = _objects.Count;
            _objects.Add(new ObjectInfo(kind, site, key is SymbolKey symbolKey ? symbolKey.Symbol : null));
            _ids[key] = id;
        }

        return id;
    }

    private readonly struct SymbolKey : IEquatable<SymbolKey>
    {
        private readonly ISymbol _symbol;

        public SymbolKey(ISymbol symbol) => _symbol = symbol;

        public ISymbol Symbol => _symbol;

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

    /// <summary>A lambda or local function held by a delegate variable; calling the delegate runs its effects.</summary>
    Function,
}

/// <summary>One abstract object.</summary>
internal readonly struct ObjectInfo
{
    public ObjectInfo(ObjectKind kind, IOperation? site, ISymbol? symbol = null)
    {
        Kind = kind;
        Site = site;
        Symbol = symbol;
    }

    /// <summary>For an initial object: the variable that holds it when the body starts.</summary>
    public ISymbol? Symbol { get; }

    public ObjectKind Kind { get; }

    public IOperation? Site { get; }
}
