namespace BypassNet.Analyzers.Flow;

/// <summary>An immutable, sorted set of abstract object ids: the objects a variable may point to.</summary>
internal readonly struct ObjSet : IEquatable<ObjSet>
{
    private readonly int[]? _ids;

    private ObjSet(int[] ids) => _ids = ids;

    public static ObjSet Empty => default;

    public static ObjSet Of(int id) => new(new[] { id });

    public bool IsEmpty => _ids is null || _ids.Length == 0;

    public int Count => _ids?.Length ?? 0;

    public int this[int index] => _ids![index];

    public bool Contains(int id) => _ids is not null && Array.BinarySearch(_ids, id) >= 0;

    public ObjSet Union(ObjSet other)
    {
        if (other.IsEmpty || Equals(other))
        {
            return this;
        }

        if (IsEmpty)
        {
            return other;
        }

        var a = _ids!;
        var b = other._ids!;
        var merged = new List<int>(a.Length + b.Length);
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            if (j >= b.Length || (i < a.Length && a[i] < b[j]))
            {
                merged.Add(a[i++]);
            }
            else if (i >= a.Length || b[j] < a[i])
            {
                merged.Add(b[j++]);
            }
            else
            {
                merged.Add(a[i]);
                i++;
                j++;
            }
        }

        return new ObjSet(merged.ToArray());
    }

    public bool Equals(ObjSet other)
    {
        var a = _ids ?? Array.Empty<int>();
        var b = other._ids ?? Array.Empty<int>();
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => obj is ObjSet other && Equals(other);

    public override int GetHashCode() => Count;
}
