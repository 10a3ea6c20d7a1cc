using Microsoft.CodeAnalysis;

namespace BypassNet.Analyzers.Flow;

/// <summary>The may-state of one abstract object, with where it was first handed off or disposed (for messages).</summary>
internal readonly struct ObjState : IEquatable<ObjState>
{
    public ObjState(ObjFlags flags, IOperation? movedAt, IOperation? disposedAt)
    {
        Flags = flags;
        MovedAt = movedAt;
        DisposedAt = disposedAt;
    }

    public ObjFlags Flags { get; }

    public IOperation? MovedAt { get; }

    public IOperation? DisposedAt { get; }

    public ObjState Join(ObjState other) => new(
        Flags | other.Flags,
        Earliest(MovedAt, other.MovedAt),
        Earliest(DisposedAt, other.DisposedAt));

    public bool Equals(ObjState other) =>
        Flags == other.Flags && ReferenceEquals(MovedAt, other.MovedAt) && ReferenceEquals(DisposedAt, other.DisposedAt);

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
