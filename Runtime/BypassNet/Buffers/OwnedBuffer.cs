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
/// Every handle is checked on every access, in every build: once a buffer has been disposed or handed off,
/// <see cref="Span"/>, <see cref="Memory"/> (including a <see cref="Memory{T}"/> taken earlier), <see cref="Length"/>
/// and handoffs throw <see cref="ObjectDisposedException"/>. Each lease is a new handle, so a stale handle can never
/// reach memory that a later lease owns. A <see cref="Span{T}"/> taken before the handoff cannot be checked at run
/// time; the BYP004 analyzer reports its use.
/// </para>
/// <para>
/// <see cref="Pin"/> (what <c>Memory&lt;byte&gt;.Pin()</c> and APIs that do I/O on a <see cref="Memory{T}"/> call)
/// holds the lease until the matching <see cref="Unpin"/>: disposing the buffer while it is pinned ends this handle's
/// ownership at once, but the memory goes back to its pool or receive ring only when the last pin is released, so
/// an I/O still in flight never writes into the next renter's buffer. A pinned buffer cannot be handed off.
/// </para>
/// </remarks>
[Owned]
public sealed unsafe class OwnedBuffer : MemoryManager<byte>, IDisposable
{
    private const int StateOwned = 0;
    private const int StateHandedOff = 1;
    private const int StateDisposed = 2;

    private readonly IBufferOwner _owner;
    private readonly byte* _pointer;
    private readonly int _slot;
    private readonly int _capacity;
    private int _length;
    private int _state;

    // One hold for the owner plus one per outstanding pin; whoever drops the last hold returns the slot.
    private int _holds = 1;
    private int _pins;

    internal OwnedBuffer(IBufferOwner owner, int slot, byte* pointer, int capacity, int length)
    {
        _owner = owner;
        _slot = slot;
        _pointer = pointer;
        _capacity = capacity;
        _length = length;
    }

    /// <summary>The number of valid bytes: what <see cref="Span"/> covers and what a send transmits.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or larger than <see cref="Capacity"/>.</exception>
    /// <exception cref="ObjectDisposedException">The buffer was disposed or handed off.</exception>
    public int Length
    {
        get
        {
            ThrowIfNotOwned();
            return _length;
        }
        set
        {
            ThrowIfNotOwned();
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, _capacity);
            _length = value;
        }
    }

    /// <summary>The size of the underlying memory; <see cref="Length"/> can be set up to this.</summary>
    public int Capacity => _capacity;

    /// <summary>True while this handle owns the memory (not yet disposed or handed off).</summary>
    public bool IsOwned => Volatile.Read(ref _state) == StateOwned;

    /// <summary>The first <see cref="Length"/> bytes.</summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed or handed off.</exception>
    public Span<byte> Span
    {
        get
        {
            ThrowIfNotOwned();
            return new Span<byte>(_pointer, _length);
        }
    }

    /// <summary>The first <see cref="Length"/> bytes as <see cref="Memory{T}"/>; it stops working (throws) once the buffer is disposed or handed off.</summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed or handed off.</exception>
    public override Memory<byte> Memory
    {
        get
        {
            ThrowIfNotOwned();
            return CreateMemory(_length);
        }
    }

    /// <summary>
    /// Returns the buffer's memory to where it came from — at once, or when the last <see cref="Pin"/> is released if
    /// it is pinned. A no-op after a handoff or a previous dispose.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.CompareExchange(ref _state, StateDisposed, StateOwned) == StateOwned)
        {
            ReleaseHold();
        }
    }

    /// <inheritdoc />
    public override Span<byte> GetSpan()
    {
        ThrowIfNotOwned();
        // Memory<byte> slices this span itself, so a Memory taken at any length stays within capacity.
        return new Span<byte>(_pointer, _capacity);
    }

    /// <summary>
    /// Pins the memory for an I/O: native memory never moves, but the pin holds the lease, so the memory stays this
    /// buffer's until the returned handle is disposed (which calls <see cref="Unpin"/>), even if the buffer is
    /// disposed first.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed or handed off.</exception>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ThrowIfNotOwned();
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _capacity);
        if (!TryAddHold())
        {
            // The last hold is gone: the memory already went home.
            throw StaleHandle(Volatile.Read(ref _state));
        }

        Interlocked.Increment(ref _pins);
        int state = Volatile.Read(ref _state);
        if (state != StateOwned)
        {
            // Disposed or handed off between the check and the hold: undo, and fail as if it had been seen first.
            Interlocked.Decrement(ref _pins);
            ReleaseHold();
            throw StaleHandle(state);
        }

        return new MemoryHandle(_pointer + elementIndex, default, this);
    }

    /// <summary>Releases one <see cref="Pin"/>; the last one returns the memory if the buffer was disposed meanwhile. Extra calls do nothing.</summary>
    public override void Unpin()
    {
        int pins = Volatile.Read(ref _pins);
        while (pins > 0)
        {
            int seen = Interlocked.CompareExchange(ref _pins, pins - 1, pins);
            if (seen == pins)
            {
                ReleaseHold();
                return;
            }

            pins = seen;
        }
    }

    /// <summary>True while at least one <see cref="Pin"/> is outstanding.</summary>
    public bool IsPinned => Volatile.Read(ref _pins) > 0;

    /// <inheritdoc />
    public override string ToString()
    {
        string state = Volatile.Read(ref _state) switch
        {
            StateOwned => "owned",
            StateHandedOff => "handed off",
            _ => "disposed",
        };
        return $"OwnedBuffer({_length}/{_capacity} bytes, {state})";
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing) => Dispose();

    /// <summary>
    /// Ends this handle's ownership and gives the memory to the caller (the kernel side). Throws if the handle was
    /// already handed off or disposed, which is how a double handoff fails loudly.
    /// </summary>
    internal BufferLease HandOff()
    {
        if (Volatile.Read(ref _pins) > 0)
        {
            // The new owner would return the memory when done, while the pinned I/O may still use it.
            throw new InvalidOperationException("This buffer is pinned (an I/O on its Memory is still in flight); wait for it to finish before handing the buffer off.");
        }

        int previous = Interlocked.CompareExchange(ref _state, StateHandedOff, StateOwned);
        if (previous != StateOwned)
        {
            throw StaleHandle(previous);
        }

        return new BufferLease(_owner, _slot, (nint)_pointer, _length);
    }

    /// <summary>A zero-length buffer with no memory: what a receive returns when the peer has closed.</summary>
    internal static OwnedBuffer CreateEmpty() => new(EmptyOwner.Instance, 0, null, 0, 0);

    private bool TryAddHold()
    {
        int holds = Volatile.Read(ref _holds);
        while (holds > 0)
        {
            int seen = Interlocked.CompareExchange(ref _holds, holds + 1, holds);
            if (seen == holds)
            {
                return true;
            }

            holds = seen;
        }

        return false;
    }

    private void ReleaseHold()
    {
        if (Interlocked.Decrement(ref _holds) == 0)
        {
            _owner.Return(_slot);
        }
    }

    private void ThrowIfNotOwned()
    {
        int state = Volatile.Read(ref _state);
        if (state != StateOwned)
        {
            throw StaleHandle(state);
        }
    }

    private static ObjectDisposedException StaleHandle(int state) => new(
        nameof(OwnedBuffer),
        state == StateHandedOff
            ? "This buffer was handed off (for example to SendAsync); the kernel or its new owner owns the memory now."
            : "This buffer was disposed and its memory returned to its pool.");
}

/// <summary>Owner of zero-length buffers: nothing to give back.</summary>
file sealed class EmptyOwner : IBufferOwner
{
    public static readonly EmptyOwner Instance = new();

    public void Return(int slot)
    {
    }
}
