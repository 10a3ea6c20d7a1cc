using System.Buffers;

namespace BypassNet.Buffers;

/// <summary>
/// A <see cref="Memory{T}"/> over a handed-off buffer, for code (the socket engine) that must pass the bytes to an API
/// taking <see cref="ReadOnlyMemory{T}"/> after the user's <see cref="OwnedBuffer"/> handle was invalidated.
/// </summary>
internal sealed unsafe class NativeMemoryManager : MemoryManager<byte>
{
    private readonly byte* _pointer;
    private readonly int _length;

    public NativeMemoryManager(in BufferLease lease)
    {
        _pointer = (byte*)lease.Address;
        _length = lease.Length;
    }

    public override Span<byte> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
