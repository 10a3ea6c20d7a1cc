using BypassNet.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BypassNet;

/// <summary>
/// A fixed set of equally sized, page-aligned native buffers. Thread-safe. When BypassNet runs on io_uring the
/// pool's memory is registered with every ring, so a rented buffer can be sent zero-copy.
/// </summary>
/// <remarks>
/// Exhaustion is backpressure, not a crash: <see cref="TryRent"/> reports it, <see cref="RentAsync"/> waits for a
/// buffer to come back, and <see cref="Rent"/> throws <see cref="InvalidOperationException"/> with the pool's numbers.
/// Disposing the pool stops new rentals; the memory itself is freed only after every outstanding lease has come back,
/// including buffers the kernel still owns.
/// </remarks>
public sealed class BufferPool : IDisposable, IBufferOwner
{
    private readonly NativeSlab _slab;
    private readonly bool _ownsSlab;
    private readonly nint _base;
    private readonly Lock _gate = new();
    private readonly int[] _free;
    private readonly bool[] _leased;

    // One reusable handle core per slot, made on the slot's first lease: a lease allocates nothing after that.
    private readonly BufferCore?[] _cores;
    private readonly Queue<Waiter> _waiters = new();
    // Slots not leased. The pool pins the slab once, for itself and every lease: the pin is released when the pool is
    // disposed and the last lease is back (_freeCount == Count), so a lease costs no pin of its own.
    private int _freeCount;
    private bool _disposed;
    private BufferPoison? _poison;

    /// <summary>Creates a stand-alone pool of <paramref name="bufferCount"/> buffers of <paramref name="bufferSize"/> bytes.</summary>
    /// <param name="bufferSize">Bytes per buffer; rounded up to a multiple of the page size.</param>
    /// <param name="bufferCount">Number of buffers.</param>
    public BufferPool(int bufferSize = 64 * 1024, int bufferCount = 64)
        : this(CreateSlab(bufferSize, bufferCount, out int rounded), ownsSlab: true, offset: 0, rounded, bufferCount)
    {
        if (BufferPoison.EnabledByEnvironment)
        {
            EnablePoison(NullLogger.Instance, "BufferPool");
        }
    }

    internal BufferPool(NativeSlab slab, bool ownsSlab, nuint offset, int bufferSize, int bufferCount)
    {
        if ((ulong)offset + (ulong)bufferSize * (ulong)bufferCount > slab.Length)
        {
            throw new ArgumentException("The pool does not fit in its slab.");
        }

        _slab = slab;
        _ownsSlab = ownsSlab;
        _base = slab.Address + (nint)offset;
        BufferSize = bufferSize;
        Count = bufferCount;
        _free = new int[bufferCount];
        _leased = new bool[bufferCount];
        _cores = new BufferCore?[bufferCount];
        for (int i = 0; i < bufferCount; i++)
        {
            // Hand out low slots first: they stay warm in cache.
            _free[i] = bufferCount - 1 - i;
        }

        _freeCount = bufferCount;
        slab.Pin();
    }

    /// <summary>Bytes per buffer (a multiple of the page size).</summary>
    public int BufferSize { get; }

    /// <summary>Number of buffers in the pool.</summary>
    public int Count { get; }

    /// <summary>Number of buffers not currently leased.</summary>
    public int Available
    {
        get
        {
            lock (_gate)
            {
                return _freeCount;
            }
        }
    }

    internal nint BaseAddress => _base;

    /// <summary>True once the slab's memory was freed (a pool that owns its slab, after dispose and the last lease back).</summary>
    internal bool SlabFreed => _slab.IsFreed;

    /// <summary>Writes after return caught so far by poisoning (0 when poisoning is off).</summary>
    internal long CorruptionsDetected => _poison?.Detected ?? 0;

    /// <summary>
    /// Turns on poisoning (<see cref="BypassNetOptions.PoisonBuffers"/>): returned slots are filled with the pattern and
    /// checked whole on the next rent. Call before the first rent.
    /// </summary>
    internal unsafe void EnablePoison(ILogger logger, string name)
    {
        lock (_gate)
        {
            _poison = new BufferPoison(logger, name);
            for (int i = 0; i < _freeCount; i++)
            {
                BufferPoison.Fill(SlotPointer(_free[i]), BufferSize);
            }
        }
    }

    /// <summary>Rents a buffer with <see cref="OwnedBuffer.Length"/> equal to its capacity.</summary>
    /// <exception cref="InvalidOperationException">Every buffer is leased.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public OwnedBuffer Rent()
    {
        if (TryRent(out OwnedBuffer buffer))
        {
            return buffer;
        }

        throw new InvalidOperationException(
            $"BufferPool exhausted: all {Count} buffers of {BufferSize} bytes are leased. Dispose or send buffers you hold, or use RentAsync to wait for one.");
    }

    /// <summary>Rents a buffer if one is free; returns false (and <c>default</c>, which is no lease) when the pool is exhausted.</summary>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public bool TryRent(out OwnedBuffer buffer)
    {
        int slot;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_freeCount == 0)
            {
                buffer = default;
                return false;
            }

            slot = _free[--_freeCount];
            _leased[slot] = true;
            ThrowIfPoisonBrokenLocked(slot);
        }

        buffer = CreateLease(slot);
        return true;
    }

    /// <summary>Rents a buffer, waiting for one to be returned when the pool is exhausted.</summary>
    /// <exception cref="OperationCanceledException">The token was canceled while waiting.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public ValueTask<OwnedBuffer> RentAsync(CancellationToken cancellationToken = default)
    {
        if (TryRent(out OwnedBuffer buffer))
        {
            return new ValueTask<OwnedBuffer>(buffer);
        }

        return WaitAsync(cancellationToken);
    }

    /// <summary>Stops new rentals. Memory is freed once every outstanding lease has been returned.</summary>
    public void Dispose()
    {
        Waiter[] waiters;
        bool unpin;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            unpin = _freeCount == Count;
            waiters = _waiters.ToArray();
            _waiters.Clear();
        }

        if (unpin)
        {
            _slab.Unpin();
        }

        foreach (Waiter waiter in waiters)
        {
            waiter.Completion.TrySetException(new ObjectDisposedException(nameof(BufferPool)));
        }

        if (_ownsSlab)
        {
            _slab.Dispose();
        }
    }

    /// <summary>True when <paramref name="address"/> lies inside this pool's memory.</summary>
    internal bool Contains(nint address) =>
        address >= _base && address < _base + (nint)BufferSize * Count;

    void IBufferOwner.Return(int slot)
    {
        Waiter? waiter = null;
        bool unpin = false;
        lock (_gate)
        {
            if (!_leased[slot])
            {
                // A double return would hand one slot to two owners: fail loudly instead.
                throw new InvalidOperationException($"Buffer slot {slot} was returned twice.");
            }

            if (_poison is not null)
            {
                // Under the lock, after the double-return check: never poison a slot someone else owns.
                PoisonLocked(slot);
            }

            while (_waiters.Count > 0)
            {
                Waiter candidate = _waiters.Dequeue();
                if (!candidate.Completion.Task.IsCompleted)
                {
                    waiter = candidate;
                    break;
                }
            }

            if (waiter is null)
            {
                _leased[slot] = false;
                _free[_freeCount++] = slot;
                unpin = _disposed && _freeCount == Count;
            }
        }

        if (unpin)
        {
            // The pool was disposed while this lease was out: the last one back releases the pool's pin.
            _slab.Unpin();
        }

        if (waiter is not null)
        {
            OwnedBuffer lease = CreateLease(slot);
            if (!waiter.Completion.TrySetResult(lease))
            {
                // Canceled between dequeue and completion: the lease goes back (to the next waiter, if any).
                lease.Dispose();
            }
        }
    }

    private unsafe OwnedBuffer CreateLease(int slot)
    {
        // The pool's own pin outlives every lease (see _freeCount), so disposing the pool never frees leased memory.
        // The slot is this caller's alone here (just taken off the free list), so its core is too.
        BufferCore core = _cores[slot] ??= new BufferCore(this, slot);
        return new OwnedBuffer(core, core.Begin(SlotPointer(slot), BufferSize, BufferSize));
    }

    private unsafe void PoisonLocked(int slot) => BufferPoison.Fill(SlotPointer(slot), BufferSize);

    private unsafe byte* SlotPointer(int slot) => (byte*)(_base + (nint)slot * BufferSize);

    /// <summary>With poisoning on: if the free slot just taken was written since its return, put it back (repaired) and throw.</summary>
    private unsafe void ThrowIfPoisonBrokenLocked(int slot)
    {
        if (_poison?.Verify(slot, SlotPointer(slot), 0, BufferSize) is { } corruption)
        {
            _leased[slot] = false;
            _free[_freeCount++] = slot;
            throw corruption;
        }
    }

    private async ValueTask<OwnedBuffer> WaitAsync(CancellationToken cancellationToken)
    {
        var waiter = new Waiter();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_freeCount > 0)
            {
                int slot = _free[--_freeCount];
                _leased[slot] = true;
                ThrowIfPoisonBrokenLocked(slot);
                waiter.Completion.SetResult(CreateLease(slot));
            }
            else
            {
                _waiters.Enqueue(waiter);
            }
        }

        await using (cancellationToken.UnsafeRegister(static w => ((Waiter)w!).Completion.TrySetCanceled(), waiter))
        {
            return await waiter.Completion.Task.ConfigureAwait(false);
        }
    }

    private static NativeSlab CreateSlab(int bufferSize, int bufferCount, out int roundedSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bufferSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bufferCount);
        int page = Environment.SystemPageSize;
        roundedSize = checked((bufferSize + page - 1) / page * page);
        return new NativeSlab(checked((nuint)roundedSize * (nuint)bufferCount));
    }

    private sealed class Waiter
    {
        public TaskCompletionSource<OwnedBuffer> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
