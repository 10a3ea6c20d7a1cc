namespace BypassNet.Samples.Resp;

/// <summary>
/// Where each argument of the command being parsed lies, as offsets from the command's first byte. Offsets rather
/// than spans so the list survives across receives while a command is incomplete; reused for every command.
/// </summary>
internal sealed class ArgumentList
{
    private const int InitialCapacity = 16;
    private const int TrimAbove = 4096;

    private (int Start, int Length)[] _items = new (int, int)[InitialCapacity];

    public int Count { get; private set; }

    public (int Start, int Length) this[int index] => _items[index];

    public void Add(int start, int length)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[Count++] = (start, length);
    }

    public void Clear()
    {
        Count = 0;
        if (_items.Length > TrimAbove)
        {
            // One huge MSET should not pin megabytes of offsets to the connection forever.
            _items = new (int, int)[InitialCapacity];
        }
    }
}
