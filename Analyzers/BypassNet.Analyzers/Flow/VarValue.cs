using Microsoft.CodeAnalysis;

namespace BypassNet.Analyzers.Flow;

/// <summary>
/// What a variable (local, parameter, field of this, or a compiler flow capture) may hold: the objects it points
/// to, whether it is a Span/Memory view of them, and, for a flow capture of a bare variable, the state those objects
/// had when the variable was read into the capture (the read is judged then, not when the capture is consumed).
/// </summary>
internal readonly struct VarValue : IEquatable<VarValue>
{
    public VarValue(ObjSet objects, bool isView, ObjFlags readFlags = ObjFlags.None, IOperation? readSite = null, bool isVariableRead = false)
    {
        Objects = objects;
        IsView = isView;
        ReadFlags = readFlags;
        ReadSite = readSite;
        IsVariableRead = isVariableRead;
    }

    public ObjSet Objects { get; }

    public bool IsView { get; }

    /// <summary>For a capture of a variable: the joined flags of its objects at the read.</summary>
    public ObjFlags ReadFlags { get; }

    /// <summary>For a capture of a variable: where those objects had been handed off or disposed.</summary>
    public IOperation? ReadSite { get; }

    /// <summary>True when this is a capture of a bare variable read, whose use is judged when it is consumed.</summary>
    public bool IsVariableRead { get; }

    public VarValue Join(VarValue other) => new(
        Objects.Union(other.Objects),
        IsView || other.IsView,
        ReadFlags | other.ReadFlags,
        ObjState.Earliest(ReadSite, other.ReadSite),
        IsVariableRead || other.IsVariableRead);

    public bool Equals(VarValue other) =>
        Objects.Equals(other.Objects) && IsView == other.IsView && ReadFlags == other.ReadFlags
        && ReferenceEquals(ReadSite, other.ReadSite) && IsVariableRead == other.IsVariableRead;

    public override bool Equals(object? obj) => obj is VarValue other && Equals(other);

    public override int GetHashCode() => Objects.GetHashCode();
}
