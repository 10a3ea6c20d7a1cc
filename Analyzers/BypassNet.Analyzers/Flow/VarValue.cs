using Microsoft.CodeAnalysis;

namespace BypassNet.Analyzers.Flow;

/// <summary>
/// What a variable (local, parameter, field of this, or a compiler flow capture) may hold: the objects it points
/// to and, per object, the handoff/dispose history of that object <em>on the paths where this variable holds it</em>
/// (its binding). Keeping the history per binding is what lets a renewed variable shed the history of the object it
/// no longer holds: at a loop head "may hold the pre-loop value" and "the pre-loop value was handed off" come from
/// different paths and are never joined into one fact. For a flow capture of a bare variable it also keeps the
/// history at the moment of the read (the read is judged then, not when the capture is consumed).
/// </summary>
internal readonly struct VarValue : IEquatable<VarValue>
{
    private readonly ObjState[]? _bindings;

    public VarValue(ObjSet objects, bool isView, ObjFlags readFlags = ObjFlags.None, IOperation? readSite = null, bool isVariableRead = false)
        : this(objects, null, isView, readFlags, readSite, isVariableRead)
    {
    }

    private VarValue(ObjSet objects, ObjState[]? bindings, bool isView, ObjFlags readFlags, IOperation? readSite, bool isVariableRead)
    {
        Objects = objects;
        _bindings = bindings;
        IsView = isView;
        ReadFlags = readFlags;
        ReadSite = readSite;
        IsVariableRead = isVariableRead;
    }

    public ObjSet Objects { get; }

    public bool IsView { get; }

    /// <summary>For a capture of a variable: the joined history of its bindings at the read.</summary>
    public ObjFlags ReadFlags { get; }

    /// <summary>For a capture of a variable: where those objects had been handed off or disposed.</summary>
    public IOperation? ReadSite { get; }

    /// <summary>True when this is a capture of a bare variable read, whose use is judged when it is consumed.</summary>
    public bool IsVariableRead { get; }

    /// <summary>The history of the object at <paramref name="index"/> (in <see cref="Objects"/> order) on this binding.</summary>
    public ObjState BindingAt(int index) => _bindings is null ? default : _bindings[index];

    /// <summary>True when some binding has any of <paramref name="flags"/>.</summary>
    public bool HasHistory(ObjFlags flags)
    {
        if (_bindings is null)
        {
            return false;
        }

        foreach (var binding in _bindings)
        {
            if ((binding.Flags & flags) != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The joined history of all bindings, with the earliest handoff and dispose sites.</summary>
    public ObjState History()
    {
        var result = default(ObjState);
        if (_bindings is not null)
        {
            foreach (var binding in _bindings)
            {
                result = result.Join(binding);
            }
        }

        return result;
    }

    /// <summary>A value holding one object with the given binding.</summary>
    public static VarValue Single(int id, ObjState binding, bool isView = false) => new(ObjSet.Of(id), new[] { binding }, isView, ObjFlags.None, null, false);

    /// <summary>The same objects with <paramref name="bindings"/> (in <see cref="Objects"/> order).</summary>
    public VarValue WithBindings(ObjState[] bindings) => new(Objects, bindings, IsView, ReadFlags, ReadSite, IsVariableRead);

    /// <summary>The position of <paramref name="id"/> in <see cref="Objects"/>, or -1.</summary>
    public int IndexOf(int id)
    {
        for (var i = 0; i < Objects.Count; i++)
        {
            if (Objects[i] == id)
            {
                return i;
            }
        }

        return -1;
    }

    public VarValue AsView(bool isView) => new(Objects, _bindings, isView, ReadFlags, ReadSite, IsVariableRead);

    /// <summary>This value's objects and bindings, as the plain value of a capture or a composite (no read history).</summary>
    public VarValue Plain() => new(Objects, _bindings, IsView, ObjFlags.None, null, false);

    /// <summary>The same objects and bindings, marked as the capture of a variable read with this history.</summary>
    public VarValue AsVariableRead(ObjFlags readFlags, IOperation? readSite) => new(Objects, _bindings, IsView, readFlags, readSite, true);

    /// <summary>Applies <paramref name="update"/> to the binding of every object in <paramref name="ids"/> that this value holds.</summary>
    public VarValue Update(ObjSet ids, Func<ObjState, ObjState> update, out bool changed)
    {
        changed = false;
        if (Objects.IsEmpty || ids.IsEmpty)
        {
            return this;
        }

        ObjState[]? copy = null;
        for (var i = 0; i < Objects.Count; i++)
        {
            if (!ids.Contains(Objects[i]))
            {
                continue;
            }

            var old = BindingAt(i);
            var updated = update(old);
            if (updated.Equals(old))
            {
                continue;
            }

            copy ??= _bindings is null ? new ObjState[Objects.Count] : (ObjState[])_bindings.Clone();
            copy[i] = updated;
        }

        if (copy is null)
        {
            return this;
        }

        changed = true;
        return new VarValue(Objects, copy, IsView, ReadFlags, ReadSite, IsVariableRead);
    }

    /// <summary>This value with object <paramref name="from"/> replaced by <paramref name="to"/> (bindings joined if both are here).</summary>
    public VarValue Rename(int from, int to)
    {
        var index = IndexOf(from);
        if (index < 0)
        {
            return this;
        }

        var objects = ObjSet.Of(to);
        for (var k = 0; k < Objects.Count; k++)
        {
            if (Objects[k] != from)
            {
                objects = objects.Union(ObjSet.Of(Objects[k]));
            }
        }

        ObjState[]? bindings = null;
        if (_bindings is not null)
        {
            bindings = new ObjState[objects.Count];
            for (var k = 0; k < objects.Count; k++)
            {
                var id = objects[k];
                if (id == to)
                {
                    var existing = IndexOf(to) is var j && j >= 0 ? BindingAt(j) : default;
                    bindings[k] = existing.Join(BindingAt(index));
                }
                else
                {
                    bindings[k] = BindingAt(IndexOf(id));
                }
            }
        }

        return new VarValue(objects, bindings, IsView, ReadFlags, ReadSite, IsVariableRead);
    }

    public VarValue Join(VarValue other)
    {
        var objects = Objects.Union(other.Objects);
        ObjState[]? bindings = null;
        if (_bindings is not null || other._bindings is not null)
        {
            bindings = new ObjState[objects.Count];
            for (var k = 0; k < objects.Count; k++)
            {
                var id = objects[k];
                var mine = IndexOf(id) is var i && i >= 0 ? BindingAt(i) : default;
                var theirs = other.IndexOf(id) is var j && j >= 0 ? other.BindingAt(j) : default;
                bindings[k] = mine.Join(theirs);
            }
        }

        return new VarValue(
            objects,
            bindings,
            IsView || other.IsView,
            ReadFlags | other.ReadFlags,
            ObjState.Earliest(ReadSite, other.ReadSite),
            IsVariableRead || other.IsVariableRead);
    }

    public bool Equals(VarValue other)
    {
        if (!Objects.Equals(other.Objects) || IsView != other.IsView || ReadFlags != other.ReadFlags
            || !ReferenceEquals(ReadSite, other.ReadSite) || IsVariableRead != other.IsVariableRead)
        {
            return false;
        }

        for (var i = 0; i < Objects.Count; i++)
        {
            if (!BindingAt(i).Equals(other.BindingAt(i)))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => obj is VarValue other && Equals(other);

    public override int GetHashCode() => Objects.GetHashCode();
}
