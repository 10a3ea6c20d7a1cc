namespace BypassNet.Ring;

/// <summary>
/// Maps a completion's user_data (slot | generation &lt;&lt; 32) back to its operation. A slot is reused only after the
/// operation's final completion, and its generation then changes, so a stray completion can never complete a
/// different operation.
/// </summary>
internal sealed class OperationTable
{
    private RingOperation?[] _operations;
    private uint[] _generations;
    private int[] _free;
    private int _freeCount;

    public OperationTable(int initialCapacity)
    {
        _operations = new RingOperation?[initialCapacity];
        _generations = new uint[initialCapacity];
        _free = new int[initialCapacity];
        for (int i = 0; i < initialCapacity; i++)
        {
            _free[i] = initialCapacity - 1 - i;
        }

        _freeCount = initialCapacity;
    }

    /// <summary>Operations currently owning a slot.</summary>
    public int InFlight => _operations.Length - _freeCount;

    public ulong Add(RingOperation operation)
    {
        if (operation.InFlight)
        {
            throw new InvalidOperationException("The operation is already in flight.");
        }

        if (_freeCount == 0)
        {
            Grow();
        }

        int slot = _free[--_freeCount];
        _operations[slot] = operation;
        uint generation = ++_generations[slot];
        operation.Slot = slot;
        operation.Generation = generation;
        return operation.UserData;
    }

    public RingOperation? Find(ulong userData)
    {
        uint slot = (uint)userData;
        if (slot >= (uint)_operations.Length)
        {
            return null;
        }

        RingOperation? operation = _operations[slot];
        return operation is not null && _generations[slot] == (uint)(userData >> 32) ? operation : null;
    }

    public void Remove(RingOperation operation)
    {
        int slot = operation.Slot;
        if (slot < 0 || !ReferenceEquals(_operations[slot], operation))
        {
            throw new InvalidOperationException("The operation does not own its slot.");
        }

        _operations[slot] = null;
        operation.Slot = -1;
        _free[_freeCount++] = slot;
    }

    /// <summary>A snapshot of the operations in flight (for shutdown).</summary>
    public List<RingOperation> Snapshot()
    {
        var list = new List<RingOperation>(InFlight);
        foreach (RingOperation? operation in _operations)
        {
            if (operation is not null)
            {
                list.Add(operation);
            }
        }

        return list;
    }

    private void Grow()
    {
        int old = _operations.Length;
        int size = old * 2;
        Array.Resize(ref _operations, size);
        Array.Resize(ref _generations, size);
        Array.Resize(ref _free, size);
        for (int i = size - 1; i >= old; i--)
        {
            _free[_freeCount++] = i;
        }
    }
}
