using Microsoft.CodeAnalysis;

namespace BypassNet.Analyzers.Flow;

/// <summary>
/// The dataflow fact at one program point: what each variable may point to, and the may-state of each abstract
/// object. A variable or object that is absent has its default (see <see cref="IStateDefaults"/>), so states
/// stay small and a parameter need not be seeded at entry.
/// </summary>
internal sealed class OwnershipState
{
    private OwnershipState(Dictionary<object, VarValue> vars, Dictionary<int, ObjState> objects)
    {
        Vars = vars;
        Objects = objects;
    }

    public Dictionary<object, VarValue> Vars { get; }

    public Dictionary<int, ObjState> Objects { get; }

    /// <summary>Which of the graph's <see cref="BranchFlags"/> hold true on these paths (bit i, flag i).</summary>
    public uint FlagBits { get; set; }

    public static OwnershipState CreateEmpty() => new(new Dictionary<object, VarValue>(VarKeyComparer.Instance), new Dictionary<int, ObjState>());

    public OwnershipState Clone() => new(new Dictionary<object, VarValue>(Vars, VarKeyComparer.Instance), new Dictionary<int, ObjState>(Objects)) { FlagBits = FlagBits };

    /// <summary>Joins <paramref name="other"/> into this state (its flags are this state's); true when this state grew.</summary>
    public bool JoinWith(OwnershipState other, IStateDefaults defaults)
    {
        var changed = false;
        foreach (var pair in other.Vars)
        {
            var mine = Vars.TryGetValue(pair.Key, out var existing) ? existing : defaults.DefaultVar(pair.Key);
            var joined = mine.Join(pair.Value);
            if (!Vars.TryGetValue(pair.Key, out existing) || !existing.Equals(joined))
            {
                Vars[pair.Key] = joined;
                changed = true;
            }
        }

        foreach (var key in Vars.Count == other.Vars.Count ? Array.Empty<object>() : Vars.Keys.ToArray())
        {
            if (!other.Vars.ContainsKey(key))
            {
                var joined = Vars[key].Join(defaults.DefaultVar(key));
                if (!joined.Equals(Vars[key]))
                {
                    Vars[key] = joined;
                    changed = true;
                }
            }
        }

        foreach (var pair in other.Objects)
        {
            var mine = Objects.TryGetValue(pair.Key, out var existing) ? existing : defaults.DefaultObject(pair.Key);
            var joined = mine.Join(pair.Value);
            if (!Objects.TryGetValue(pair.Key, out existing) || !existing.Equals(joined))
            {
                Objects[pair.Key] = joined;
                changed = true;
            }
        }

        foreach (var key in Objects.Count == other.Objects.Count ? Array.Empty<int>() : Objects.Keys.ToArray())
        {
            if (!other.Objects.ContainsKey(key))
            {
                var joined = Objects[key].Join(defaults.DefaultObject(key));
                if (!joined.Equals(Objects[key]))
                {
                    Objects[key] = joined;
                    changed = true;
                }
            }
        }

        return changed;
    }

    /// <summary>Compares keys: symbols by symbol identity, flow capture ids by value.</summary>
    internal sealed class VarKeyComparer : IEqualityComparer<object>
    {
        public static readonly VarKeyComparer Instance = new();

        public new bool Equals(object? x, object? y) =>
            x is ISymbol a && y is ISymbol b ? SymbolEqualityComparer.Default.Equals(a, b) : object.Equals(x, y);

        public int GetHashCode(object obj) =>
            obj is ISymbol symbol ? SymbolEqualityComparer.Default.GetHashCode(symbol) : obj.GetHashCode();
    }
}

/// <summary>Supplies the value of a variable or object that a state does not mention.</summary>
internal interface IStateDefaults
{
    VarValue DefaultVar(object key);

    ObjState DefaultObject(int id);
}
