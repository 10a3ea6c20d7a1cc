namespace BypassNet.Analyzers.Flow;

/// <summary>
/// The facts at one program point, one <see cref="OwnershipState"/> per valuation of the graph's
/// <see cref="BranchFlags"/>: states join only with states of the same valuation. A graph without flags has one.
/// </summary>
internal sealed class StateSet
{
    private readonly List<OwnershipState> _parts;

    private StateSet(List<OwnershipState> parts) => _parts = parts;

    public IReadOnlyList<OwnershipState> Parts => _parts;

    /// <summary>A set of one: a copy of <paramref name="state"/>.</summary>
    public static StateSet Of(OwnershipState state) => new(new List<OwnershipState>(1) { state.Clone() });

    public StateSet Clone()
    {
        var parts = new List<OwnershipState>(_parts.Count);
        foreach (var part in _parts)
        {
            parts.Add(part.Clone());
        }

        return new StateSet(parts);
    }

    /// <summary>Joins <paramref name="state"/> into the part of its valuation; true when this set grew.</summary>
    public bool Join(OwnershipState state, IStateDefaults defaults)
    {
        foreach (var part in _parts)
        {
            if (part.FlagBits == state.FlagBits)
            {
                return part.JoinWith(state, defaults);
            }
        }

        _parts.Add(state.Clone());
        return true;
    }

    /// <summary>Joins every part of <paramref name="other"/>; true when this set grew.</summary>
    public bool Join(StateSet other, IStateDefaults defaults)
    {
        var changed = false;
        foreach (var part in other._parts)
        {
            changed |= Join(part, defaults);
        }

        return changed;
    }

    /// <summary>A copy with <paramref name="map"/> applied to each part.</summary>
    public StateSet Select(Func<OwnershipState, OwnershipState> map)
    {
        var parts = new List<OwnershipState>(_parts.Count);
        foreach (var part in _parts)
        {
            parts.Add(map(part));
        }

        return new StateSet(parts);
    }

    /// <summary>All parts joined into one, whatever their valuation: what some path may have (the exit's leaks, summaries).</summary>
    public OwnershipState Merged(IStateDefaults defaults)
    {
        var merged = _parts[0].Clone();
        for (var i = 1; i < _parts.Count; i++)
        {
            merged.JoinWith(_parts[i], defaults);
        }

        return merged;
    }
}
