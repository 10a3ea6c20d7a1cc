using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace BypassNet.Analyzers.Migration;

/// <summary>
/// The facts the migration analysis gathers over a compilation, and the groups they form. A node is a Socket-typed
/// symbol (local, parameter, field, property, method result), an operation that yields a Socket, or a type in source
/// shared by several symbols (<c>Socket a, b;</c>). Nodes connected by assignments, arguments, returns and awaits form
/// a group: the swap to BypassSocket must change all of them or none. A group can be swapped when it holds at least
/// one TCP socket created in this compilation and no node of it is blocked.
/// </summary>
/// <remarks>Thread-safe: operation blocks are analyzed concurrently; <see cref="Solve"/> runs once, at compilation end.</remarks>
internal sealed class SocketGroups
{
    private readonly object _gate = new();
    private readonly Dictionary<object, int> _ids = new(KeyComparer.Instance);
    private readonly List<object> _keys = new();
    private readonly List<int> _parent = new();
    private readonly Dictionary<int, List<Blocker>> _blocked = new();
    private readonly Dictionary<int, Origin> _origins = new();
    private readonly Dictionary<int, List<Location>> _rewrites = new();
    private readonly HashSet<int> _acquired = new();

    /// <summary>Why a node cannot be swapped, and where (null when the node has no place in source).</summary>
    public sealed class Blocker
    {
        public Blocker(string reason, Location? location)
        {
            Reason = reason;
            Location = location;
        }

        public string Reason { get; }

        public Location? Location { get; }
    }

    /// <summary>A <c>new Socket(...)</c> of a TCP stream socket, or a <c>new TcpListener(...)</c>.</summary>
    public sealed class Origin
    {
        public Origin(Location location, Location? typeLocation, INamedTypeSymbol type)
        {
            Location = location;
            TypeLocation = typeLocation;
            Type = type;
        }

        /// <summary>What is created: Socket or TcpListener.</summary>
        public INamedTypeSymbol Type { get; }

        /// <summary>How messages name what is created: "socket", "listener" or "client".</summary>
        public string Noun => Type.Name switch
        {
            "Socket" => "socket",
            "TcpClient" => "client",
            _ => "listener",
        };

        /// <summary>The whole object creation: where BYP100 is reported.</summary>
        public Location Location { get; }

        /// <summary>The type written after <c>new</c>, to rewrite; null for target-typed <c>new(...)</c>.</summary>
        public Location? TypeLocation { get; }
    }

    /// <summary>A group the analysis settled, with its members.</summary>
    public sealed class Group
    {
        public List<Origin> Origins { get; } = new();

        public List<ISymbol> Symbols { get; } = new();

        /// <summary>Every reason the group cannot be swapped, with its site.</summary>
        public List<Blocker> Blocks { get; } = new();

        /// <summary>Type names to rewrite that belong to expressions rather than declarations (<c>new List&lt;Socket&gt;()</c>).</summary>
        public List<Location> Rewrites { get; } = new();

        /// <summary>True when a socket of the group comes from an API (TcpListener.AcceptSocket(), TcpClient.Client).</summary>
        public bool Acquired { get; set; }

        public string? BlockedBecause => Blocks.Count == 0 ? null : Blocks[0].Reason;

        public bool CanSwap => Origins.Count > 0 && Blocks.Count == 0;
    }

    /// <summary>A span of source: used for type syntax shared by several declarators.</summary>
    public readonly struct SpanKey : System.IEquatable<SpanKey>
    {
        public SpanKey(SyntaxTree tree, TextSpan span)
        {
            Tree = tree;
            Span = span;
        }

        public SyntaxTree Tree { get; }

        public TextSpan Span { get; }

        public bool Equals(SpanKey other) => ReferenceEquals(Tree, other.Tree) && Span.Equals(other.Span);

        public override bool Equals(object? obj) => obj is SpanKey other && Equals(other);

        public override int GetHashCode() => (Tree.GetHashCode() * 397) ^ Span.GetHashCode();
    }

    public void Union(object a, object b)
    {
        lock (_gate)
        {
            int ra = Find(Id(a));
            int rb = Find(Id(b));
            if (ra != rb)
            {
                _parent[ra] = rb;
            }
        }
    }

    public void Touch(object key)
    {
        lock (_gate)
        {
            Id(key);
        }
    }

    public void Block(object key, string reason, Location? location)
    {
        lock (_gate)
        {
            int id = Id(key);
            if (!_blocked.TryGetValue(id, out List<Blocker>? list))
            {
                list = new List<Blocker>();
                _blocked.Add(id, list);
            }

            if (!list.Any(b => b.Reason == reason && Equals(b.Location, location)))
            {
                list.Add(new Blocker(reason, location));
            }
        }
    }

    /// <summary>Marks a node whose socket comes from an API that returns a Socket.</summary>
    public void Acquire(object key)
    {
        lock (_gate)
        {
            _acquired.Add(Id(key));
        }
    }

    /// <summary>A type name, inside an expression of the node, to rewrite with the group.</summary>
    public void AddRewrite(object key, Location location)
    {
        lock (_gate)
        {
            int id = Id(key);
            if (!_rewrites.TryGetValue(id, out List<Location>? list))
            {
                list = new List<Location>();
                _rewrites.Add(id, list);
            }

            list.Add(location);
        }
    }

    public void AddOrigin(object key, Origin origin)
    {
        lock (_gate)
        {
            _origins[Id(key)] = origin;
        }
    }

    /// <summary>The symbols seen so far (to inspect their declarations at compilation end).</summary>
    public List<ISymbol> Symbols()
    {
        lock (_gate)
        {
            return _keys.OfType<ISymbol>().ToList();
        }
    }

    /// <summary>Closes the union-find into groups. Call once every fact is in.</summary>
    public List<Group> Solve()
    {
        lock (_gate)
        {
            var groups = new Dictionary<int, Group>();
            Group GroupOf(int id)
            {
                int root = Find(id);
                if (!groups.TryGetValue(root, out Group? group))
                {
                    group = new Group();
                    groups.Add(root, group);
                }

                return group;
            }

            for (int id = 0; id < _keys.Count; id++)
            {
                Group group = GroupOf(id);
                if (_keys[id] is ISymbol symbol)
                {
                    group.Symbols.Add(symbol);
                }

                if (_origins.TryGetValue(id, out Origin? origin))
                {
                    group.Origins.Add(origin);
                }

                if (_blocked.TryGetValue(id, out List<Blocker>? blocks))
                {
                    group.Blocks.AddRange(blocks);
                }

                if (_rewrites.TryGetValue(id, out List<Location>? rewrites))
                {
                    group.Rewrites.AddRange(rewrites);
                }

                if (_acquired.Contains(id))
                {
                    group.Acquired = true;
                }
            }

            return groups.Values.ToList();
        }
    }

    private int Id(object key)
    {
        if (!_ids.TryGetValue(key, out int id))
        {
            id = _keys.Count;
            _ids.Add(key, id);
            _keys.Add(key);
            _parent.Add(id);
        }

        return id;
    }

    private int Find(int id)
    {
        while (_parent[id] != id)
        {
            _parent[id] = _parent[_parent[id]];
            id = _parent[id];
        }

        return id;
    }

    /// <summary>Symbols compare as symbols; operations by reference; spans by value.</summary>
    private sealed class KeyComparer : IEqualityComparer<object>
    {
        public static readonly KeyComparer Instance = new();

        public new bool Equals(object? x, object? y) => x is ISymbol sx && y is ISymbol sy
            ? SymbolEqualityComparer.Default.Equals(sx, sy)
            : x is ISymbol || y is ISymbol ? false : object.Equals(x, y);

        public int GetHashCode(object obj) => obj is ISymbol symbol ? SymbolEqualityComparer.Default.GetHashCode(symbol) : obj.GetHashCode();
    }
}
