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

    /// <summary>Returns the buffer's memory to where it came from. A no-op after a handoff or a previous dispose.</summary>
    public void Dispose()
    {
        if (Interlocked.CompareExchange(ref _state, StateDisposed, StateOwned) == StateOwned)
        {
            _owner.Return(_slot);
        }
    }

    /// <inheritdoc />
    public override Span<byte> GetSpan()
    {
        ThrowIfNotOwned();
        // Memory<byte> slices this span itself, so a Memory taken at any length stays within capacity.
        return new Span<byte>(_pointer, _capacity);
    }

    /// <inheritdoc />
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ThrowIfNotOwned();
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _capacity);
        // Native memory never moves; nothing to pin.
        return new MemoryHandle(_pointer + elementIndex);
    }

    /// <inheritdoc />
    public override void Unpin()
    {
    }

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
        int previous = Interlocked.CompareExchange(ref _state, StateHandedOff, StateOwned);
        if (previous != StateOwned)
        {
            throw StaleHandle(previous);
        }

        return new BufferLease(_owner, _slot, (nint)_pointer, _length);
    }

    /// <summary>A zero-length buffer with no memory: what a receive returns when the peer has closed.</summary>
    internal static OwnedBuffer CreateEmpty() => new(EmptyOwner.Instance, 0, null, 0, 0);

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
