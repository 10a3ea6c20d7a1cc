using System.Buffers;
using BypassNet.Buffers;

namespace BypassNet;

/// <summary>
/// A lease on a page-aligned native buffer, owned by exactly one piece of code at a time.
/// </summary>
/// <remarks>
/// <para>
/// A buffer comes from <see cref="BufferPool.Rent"/> (with <see cref="Length"/> equal to <see cref="Capacity"/>, ready
/// to be written) or from <see cref="BypassSocket.ReceiveAsync(CancellationToken)"/> (with <see cref="Length"/> equal to
/// the bytes received). Its owner either disposes it, which returns the memory to where it came from, or hands it off
/// to a <see cref="TakesOwnershipAttribute"/> parameter such as <see cref="BypassSocket.SendAsync(OwnedBuffer, CancellationToken)"/>.
/// </para>
/// <para>
/// <see cref="OwnedBuffer"/> is a small value (a reference to its slot's reusable state plus the lease's generation),
/// so renting, receiving, sending and disposing allocate nothing. Copies of the value are aliases of one lease:
/// disposing or handing off any copy ends the lease for all of them.
/// </para>
/// <para>
/// Every handle is checked on every access, in every build: once a buffer has been disposed or handed off,
/// <see cref="Span"/>, <see cref="Memory"/> (including a <see cref="Memory{T}"/> taken earlier), <see cref="Length"/>
/// and handoffs throw <see cref="ObjectDisposedException"/>. Each lease of a slot has a new generation and a handle
/// works only while its generation is the slot's live lease, so a stale handle can never reach memory that a later
/// lease owns. A <see cref="Span{T}"/> taken before the handoff cannot be checked at run time; the BYP004 analyzer
/// reports its use. <c>default(OwnedBuffer)</c> is no lease: its members throw <see cref="InvalidOperationException"/>,
/// except <see cref="Dispose"/> (nothing to do) and <see cref="IsOwned"/> (false).
/// </para>
/// <para>
/// <see cref="Pin"/> (what <c>Memory&lt;byte&gt;.Pin()</c> and APIs that do I/O on a <see cref="Memory{T}"/> call)
/// holds the lease until the matching unpin: disposing the buffer while it is pinned ends the lease at once, but the
/// memory goes back to its pool or receive ring only when the last pin is released, so an I/O still in flight never
/// writes into the next renter's buffer. A pinned buffer cannot be handed off.
/// </para>
/// </remarks>
[Owned]
public readonly struct OwnedBuffer : IDisposable
{
    private readonly BufferCore? _core;
    private readonly long _token;

    internal OwnedBuffer(BufferCore core, long token)
    {
        _core = core;
        _token = token;
    }

    /// <summary>The number of valid bytes: what <see cref="Span"/> covers and what a send transmits.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or larger than <see cref="Capacity"/>.</exception>
    /// <exception cref="ObjectDisposedException">The buffer was disposed or handed off.</exception>
    /// <exception cref="InvalidOperationException">This is <c>default(OwnedBuffer)</c>, not a lease.</exception>
    public int Length
    {
        get => Core.GetLength(_token);
        set => Core.SetLength(_token, value);
    }

    /// <summary>The size of the underlying memory; <see cref="Length"/> can be set up to this.</summary>
    /// <exception cref="InvalidOperationException">This is <c>default(OwnedBuffer)</c>, not a lease.</exception>
    public int Capacity => Core.Capacity;

    /// <summary>True while this handle owns the memory (not yet disposed or handed off); false for <c>default</c>.</summary>
    public bool IsOwned => _core is not null && _core.IsOwned(_token);

    /// <summary>The first <see cref="Length"/> bytes.</summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed or handed off.</exception>
    /// <exception cref="InvalidOperationException">This is <c>default(OwnedBuffer)</c>, not a lease.</exception>
    public Span<byte> Span => Core.GetSpan(_token);

    /// <summary>
    /// The first <see cref="Length"/> bytes as <see cref="Memory{T}"/>; it stops working (throws) once the buffer is
    /// disposed or handed off. The first call in a lease makes a small view object; later calls in the lease reuse it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed or handed off.</exception>
    /// <exception cref="InvalidOperationException">This is <c>default(OwnedBuffer)</c>, not a lease.</exception>
    public Memory<byte> Memory => Core.GetMemory(_token);

    /// <summary>True while at least one <see cref="Pin"/> of this lease is outstanding.</summary>
    public bool IsPinned => _core is not null && _core.IsPinned(_token);

    /// <summary>
    /// Returns the buffer's memory to where it came from — at once, or when the last <see cref="Pin"/> is released if
    /// it is pinned. A no-op after a handoff, a previous dispose (through this or any copy) or on <c>default</c>.
    /// </summary>
    public void Dispose() => _core?.Dispose(_token);

    /// <summary>
    /// Pins the memory for an I/O: native memory never moves, but the pin holds the lease, so the memory stays this
    /// buffer's until the returned handle is disposed (which calls <see cref="Unpin"/>), even if the buffer is
    /// disposed first.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed or handed off.</exception>
    /// <exception cref="InvalidOperationException">This is <c>default(OwnedBuffer)</c>, not a lease.</exception>
    public MemoryHandle Pin(int elementIndex = 0)
    {
        BufferCore core = Core;
        return core.Pin(_token, elementIndex, core.GetView(_token));
    }

    /// <summary>Releases one <see cref="Pin"/>; the last one returns the memory if the buffer was disposed meanwhile. Extra calls do nothing.</summary>
    public void Unpin() => _core?.Unpin(_token);

    /// <inheritdoc />
    public override string ToString() => _core is null ? "OwnedBuffer(default: no lease)" : _core.Describe(_token);

    private BufferCore Core => _core ?? throw new InvalidOperationException(
        "This OwnedBuffer is default(OwnedBuffer), not a lease: rent one from a BufferPool or receive one from a BypassSocket.");

    /// <summary>True for <c>default(OwnedBuffer)</c>.</summary>
    internal bool IsDefault => _core is null;

    /// <summary>
    /// This lease's bytes for the runtime's own use while it holds the lease (the managed engine's receive, the pipe
    /// writer's direct send): no view per lease. Never give it to application code.
    /// </summary>
    internal Memory<byte> LeaseMemory => Core.GetLeaseMemory(_token);

    /// <summary>
    /// Ends the lease and gives the memory to the caller (the kernel side). Throws if the lease was already handed off
    /// or disposed, which is how a double handoff fails loudly.
    /// </summary>
    internal BufferLease HandOff() => Core.HandOff(_token);

    /// <summary>A zero-length buffer with no memory: what a receive returns when the peer has closed.</summary>
    internal static unsafe OwnedBuffer CreateEmpty()
    {
        // Its own core (peer close is not a steady-state path), so disposing one empty lease never ends another.
        var core = new BufferCore(EmptyOwner.Instance, 0);
        return new OwnedBuffer(core, core.Begin(null, 0, 0));
    }
}

/// <summary>Owner of zero-length buffers: nothing to give back.</summary>
file sealed class EmptyOwner : IBufferOwner
{
    public static readonly EmptyOwner Instance = new();

    public void Return(int slot)
    {
    }
}
