using System.Buffers;

namespace BypassNet.Buffers;

/// <summary>
/// The reusable state behind <see cref="OwnedBuffer"/> handles: one per buffer slot (pool slot, provided-ring slot,
/// compaction block), leased again and again. Each lease gets a new generation; a handle carries the generation it was
/// given and every member checks it, so a handle of an ended lease never matches again and can never reach the memory
/// of a later lease of the same slot.
/// </summary>
/// <remarks>
/// Generation, state and pin count live in one 64-bit word changed only by compare-and-swap, so "is this lease still
/// owned" and "take a pin on this lease" are one atomic step. The memory goes home exactly once per lease: when the
/// lease ends (dispose) with no pin, or at the last unpin after it ended; a handoff gives it to the kernel side instead.
/// A new lease starts (<see cref="Begin"/>) only after the slot came home, so pointer, capacity and length are written
/// by one owner at a time.
/// </remarks>
internal sealed unsafe class BufferCore
{
    internal const int StateOwned = 0;
    internal const int StateHandedOff = 1;
    internal const int StateDisposed = 2;
    private const int StateIdle = 3;

    // [generation: 40 bits][state: 2 bits][pins: 21 bits]. 2^40 leases of one slot before a generation repeats.
    private const int PinBits = 21;
    private const long PinMask = (1L << PinBits) - 1;
    private const int StateShift = PinBits;
    private const int GenerationShift = PinBits + 2;
    private const long GenerationMask = (1L << 40) - 1;

    private readonly IBufferOwner _owner;
    private readonly int _slot;
    private long _word = Make(0, StateIdle, 0);
    private byte* _pointer;
    private int _capacity;
    private int _length;

    // The checked Memory view of the current lease, made on first use of OwnedBuffer.Memory in that lease.
    private OwnedBufferView? _view;

    // The runtime's own unchecked-per-lease manager (managed receive, the pipe writer's direct send): one per core.
    private LeaseMemoryManager? _leaseMemory;

    public BufferCore(IBufferOwner owner, int slot)
    {
        _owner = owner;
        _slot = slot;
    }

    public int Capacity => _capacity;

    /// <summary>Starts a lease over <paramref name="pointer"/>; the caller holds the slot (it came home). Returns the lease's token.</summary>
    public long Begin(byte* pointer, int capacity, int length)
    {
        long previous = Volatile.Read(ref _word);
        int state = State(previous);
        if ((state != StateIdle && state != StateDisposed && state != StateHandedOff) || Pins(previous) != 0)
        {
            // The slot's owner gave out a slot whose previous lease has not ended: two owners of one buffer.
            throw new InvalidOperationException($"Buffer slot {_slot} was leased while its previous lease was still live.");
        }

        _pointer = pointer;
        _capacity = capacity;
        _length = length;
        long generation = (Generation(previous) + 1) & GenerationMask;
        Volatile.Write(ref _word, Make(generation, StateOwned, 0));
        return generation;
    }

    public bool IsOwned(long token)
    {
        long word = Volatile.Read(ref _word);
        return Generation(word) == token && State(word) == StateOwned;
    }

    public bool IsPinned(long token)
    {
        long word = Volatile.Read(ref _word);
        return Generation(word) == token && Pins(word) > 0;
    }

    public int GetLength(long token)
    {
        ThrowIfNotOwned(token);
        return _length;
    }

    public void SetLength(long token, int value)
    {
        ThrowIfNotOwned(token);
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, _capacity);
        _length = value;
    }

    public Span<byte> GetSpan(long token)
    {
        ThrowIfNotOwned(token);
        return new Span<byte>(_pointer, _length);
    }

    /// <summary>The whole capacity, for a <see cref="MemoryManager{T}"/> (Memory slices it itself).</summary>
    public Span<byte> GetCapacitySpan(long token)
    {
        ThrowIfNotOwned(token);
        return new Span<byte>(_pointer, _capacity);
    }

    /// <summary>A checked <see cref="Memory{T}"/> of this lease: one view per lease, made on first use.</summary>
    public Memory<byte> GetMemory(long token)
    {
        // Two threads racing in GetView each make a view of the same lease; either is correct.
        return GetView(token).Slice(_length);
    }

    /// <summary>The lease's checked view (made on first use), as the pinnable of a <see cref="Pin"/> through the handle.</summary>
    public OwnedBufferView GetView(long token)
    {
        ThrowIfNotOwned(token);
        OwnedBufferView? view = Volatile.Read(ref _view);
        if (view is null || view.Token != token)
        {
            view = new OwnedBufferView(this, token);
            Volatile.Write(ref _view, view);
        }

        return view;
    }

    /// <summary>
    /// Memory for the runtime's own use while it holds the lease (the managed engine's receive, the pipe writer's direct
    /// send) over one manager per core, so a lease costs no view. Never handed to application code: it follows whichever
    /// lease is live, so memory kept past the lease would reach the slot's next one.
    /// </summary>
    public Memory<byte> GetLeaseMemory(long token)
    {
        ThrowIfNotOwned(token);
        LeaseMemoryManager manager = _leaseMemory ??= new LeaseMemoryManager(this);
        return manager.Slice(_length);
    }

    /// <summary>Ends the lease (if <paramref name="token"/> still owns it); the memory goes home now or at the last unpin.</summary>
    public void Dispose(long token)
    {
        long word = Volatile.Read(ref _word);
        while (Generation(word) == token && State(word) == StateOwned)
        {
            long seen = Interlocked.CompareExchange(ref _word, Make(token, StateDisposed, Pins(word)), word);
            if (seen == word)
            {
                if (Pins(word) == 0)
                {
                    GoHome();
                }

                return;
            }

            word = seen;
        }
    }

    /// <summary>Ends the lease and gives its memory to the kernel side. Throws if already ended or pinned.</summary>
    public BufferLease HandOff(long token)
    {
        long word = Volatile.Read(ref _word);
        while (true)
        {
            if (Generation(word) != token || State(word) != StateOwned)
            {
                throw StaleHandle(token, word);
            }

            if (Pins(word) > 0)
            {
                // The new owner would return the memory when done, while the pinned I/O may still use it.
                throw new InvalidOperationException("This buffer is pinned (an I/O on its Memory is still in flight); wait for it to finish before handing the buffer off.");
            }

            // Read before the swap: once handed off, the kernel side owns the slot and may lease it again.
            var lease = new BufferLease(_owner, _slot, (nint)_pointer, _length);
            long seen = Interlocked.CompareExchange(ref _word, Make(token, StateHandedOff, 0), word);
            if (seen == word)
            {
                return lease;
            }

            word = seen;
        }
    }

    /// <summary>Pins lease <paramref name="token"/>: the memory stays this lease's until the matching unpin.</summary>
    public MemoryHandle Pin(long token, int elementIndex, IPinnable pinnable)
    {
        long word = Volatile.Read(ref _word);
        while (true)
        {
            if (Generation(word) != token || State(word) != StateOwned)
            {
                throw StaleHandle(token, word);
            }

            ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _capacity);
            if (Pins(word) == PinMask)
            {
                throw new InvalidOperationException("Too many outstanding pins on one buffer.");
            }

            long seen = Interlocked.CompareExchange(ref _word, word + 1, word);
            if (seen == word)
            {
                return new MemoryHandle(_pointer + elementIndex, default, pinnable);
            }

            word = seen;
        }
    }

    /// <summary>Releases one pin of lease <paramref name="token"/>; a pin of another lease, or an extra call, does nothing.</summary>
    public void Unpin(long token)
    {
        long word = Volatile.Read(ref _word);
        while (Generation(word) == token && Pins(word) > 0)
        {
            long seen = Interlocked.CompareExchange(ref _word, word - 1, word);
            if (seen == word)
            {
                if (Pins(word) == 1 && State(word) != StateOwned)
                {
                    // Disposed while pinned: the last pin takes the memory home.
                    GoHome();
                }

                return;
            }

            word = seen;
        }
    }

    /// <summary>The token of the lease now live, for the faces' per-core manager; throws when none is.</summary>
    public long CurrentToken()
    {
        long word = Volatile.Read(ref _word);
        if (State(word) != StateOwned)
        {
            throw StaleHandle(Generation(word), word);
        }

        return Generation(word);
    }

    /// <summary>The token of the lease that owns the memory (live, or ended but still pinned), for an unpin; -1 when none.</summary>
    public long PinnedToken()
    {
        long word = Volatile.Read(ref _word);
        return Pins(word) > 0 ? Generation(word) : -1;
    }

    public string Describe(long token)
    {
        long word = Volatile.Read(ref _word);
        string state = Generation(word) != token
            ? "ended"
            : State(word) switch
            {
                StateOwned => "owned",
                StateHandedOff => "handed off",
                _ => "disposed",
            };
        return Generation(word) == token && State(word) == StateOwned
            ? $"OwnedBuffer({_length}/{_capacity} bytes, {state})"
            : $"OwnedBuffer({state})";
    }

    public void ThrowIfNotOwned(long token)
    {
        long word = Volatile.Read(ref _word);
        if (Generation(word) != token || State(word) != StateOwned)
        {
            throw StaleHandle(token, word);
        }
    }

    private void GoHome() => _owner.Return(_slot);

    private static ObjectDisposedException StaleHandle(long token, long word) => new(
        nameof(OwnedBuffer),
        Generation(word) != token
            ? "This buffer's lease has ended (it was disposed or handed off) and its slot has been leased again; this handle no longer reaches it."
            : State(word) == StateHandedOff
                ? "This buffer was handed off (for example to SendAsync); the kernel or its new owner owns the memory now."
                : "This buffer was disposed and its memory returned to its pool.");

    private static long Make(long generation, int state, long pins) => (generation << GenerationShift) | ((long)state << StateShift) | pins;

    private static long Generation(long word) => (word >>> GenerationShift) & GenerationMask;

    private static int State(long word) => (int)((word >> StateShift) & 3);

    private static long Pins(long word) => word & PinMask;
}
