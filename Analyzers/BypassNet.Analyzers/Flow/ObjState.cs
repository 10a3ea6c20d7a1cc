using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace BypassNet.Analyzers.Flow;

/// <summary>
/// The may-state of one abstract object (in a state's object table: its release duty) or of one binding of it (in a
/// variable's value: its handoff/dispose history on the paths where the variable holds it), with where it was
/// handed off or disposed, and where a still-owned value was lost (for messages).
/// </summary>
internal readonly struct ObjState : IEquatable<ObjState>
{
    public ObjState(ObjFlags flags, IOperation? movedAt, IOperation? disposedAt, IOperation? lostAt = null, ImmutableHashSet<object>? holders = null)
    {
        Flags = flags;
        MovedAt = movedAt;
        DisposedAt = disposedAt;
        LostAt = lostAt;
        Holders = holders;
    }

    /// <summary>
    /// On a binding: the variables that may hold this object on the same paths as this one (its aliases there,
    /// itself included). A handoff through one of them changes the history of exactly these bindings, so after
    /// `if (c) (a, b) = (b, a);` sending `a` does not touch the binding `b` has of the same object on the other path.
    /// </summary>
    public ImmutableHashSet<object>? Holders { get; }

    public ObjFlags Flags { get; }

    public IOperation? MovedAt { get; }

    public IOperation? DisposedAt { get; }

    /// <summary>Where a live acquired value stopped being released on some path: an overwrite, a return, the end of the body.</summary>
    public IOperation? LostAt { get; }

    public ObjState WithFlags(ObjFlags flags) => new(flags, MovedAt, DisposedAt, LostAt, Holders);

    public ObjState WithLostAt(IOperation? lostAt) => new(Flags, MovedAt, DisposedAt, LostAt ?? lostAt, Holders);

    public ObjState WithHolders(ImmutableHashSet<object>? holders) => new(Flags, MovedAt, DisposedAt, LostAt, holders);

    /// <summary>This binding after a handoff at <paramref name="site"/>.</summary>
    public ObjState HandedOff(IOperation site) => new((Flags & ~ObjFlags.MovedInTry) | ObjFlags.Moved, site, DisposedAt, LostAt, Holders);

    /// <summary>This binding after a Dispose() at <paramref name="call"/>.</summary>
    public ObjState Disposed(IOperation call) => new(Flags | ObjFlags.Disposed, MovedAt, DisposedAt ?? call, LostAt, Holders);

    public ObjState Join(ObjState other) => new(
        Flags | other.Flags,
        Earliest(MovedAt, other.MovedAt),
        Earliest(DisposedAt, other.DisposedAt),
        Earliest(LostAt, other.LostAt),
        Holders is null ? other.Holders : other.Holders is null ? Holders : Holders.Union(other.Holders));

    public bool Equals(ObjState other) =>
        Flags == other.Flags && ReferenceEquals(MovedAt, other.MovedAt) && ReferenceEquals(DisposedAt, other.DisposedAt)
        && ReferenceEquals(LostAt, other.LostAt) && SameHolders(Holders, other.Holders);

    private static bool SameHolders(ImmutableHashSet<object>? a, ImmutableHashSet<object>? b) =>
        ReferenceEquals(a, b) || ((a?.Count ?? 0) == (b?.Count ?? 0) && (a is null || b is null || a.SetEquals(b)));

    public override bool Equals(object? obj) => obj is ObjState other && Equals(other);

    public override int GetHashCode() => (int)Flags;

    // The earliest site in source order keeps messages deterministic whatever order the blocks were joined in.
    internal static IOperation? Earliest(IOperation? a, IOperation? b)
    {
        if (a is null)
        {
            return b;
        }

        if (b is null)
        {
            return a;
        }

        return b.Syntax.SpanStart < a.Syntax.SpanStart ? b : a;
    }
}
