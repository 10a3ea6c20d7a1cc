using System.Runtime.InteropServices;

namespace BypassNet.Buffers;

/// <summary>
/// Native memory of one socket's receive queue that received bytes are copied into when their provided-ring slots
/// must go back (compaction). Allocated only while a socket has such data, freed when it is read or closed, so idle
/// sockets hold none. It is either in the queue or leased to the application (<see cref="Lease"/>), never both; the
/// lease frees it.
/// </summary>
internal sealed unsafe class CompactionBlock : IBufferOwner
{
    private byte* _pointer;

    public CompactionBlock(int capacity)
    {
        Capacity = capacity;
        _pointer = (byte*)NativeMemory.Alloc((nuint)capacity);
    }

    public int Capacity { get; }

    /// <summary>Bytes written so far (appended by compaction).</summary>
    public int Length { get; private set; }

    public int Free => Capacity - Length;

    /// <summary>Appends as much of <paramref name="source"/> as fits; returns how much did.</summary>
    public int Append(ReadOnlySpan<byte> source)
    {
        int n = Math.Min(source.Length, Free);
        source[..n].CopyTo(new Span<byte>(_pointer + Length, n));
        Length += n;
        return n;
    }

    public ReadOnlySpan<byte> Bytes(int offset, int length) => new(_pointer + offset, length);

    /// <summary>Hands the bytes from <paramref name="offset"/> to the application; the lease frees the block.</summary>
    public OwnedBuffer Lease(int offset) => Begin(_pointer + offset, Capacity - offset, Length - offset);

    /// <summary>The whole (empty) block as an owned buffer to receive into; set its length to what arrived. The lease frees it.</summary>
    public OwnedBuffer LeaseForReceive() => Begin(_pointer, Capacity, Capacity);

    /// <summary>Frees the memory (the queue consumed or dropped the block, or its lease ended).</summary>
    public void Release()
    {
        byte* pointer = _pointer;
        _pointer = null;
        if (pointer != null)
        {
            NativeMemory.Free(pointer);
        }
    }

    void IBufferOwner.Return(int slot) => Release();

    private OwnedBuffer Begin(byte* pointer, int capacity, int length)
    {
        // A block is leased once (the lease frees it) and made only on the compaction path, so a core of its own is fine.
        var core = new BufferCore(this, 0);
        return new OwnedBuffer(core, core.Begin(pointer, capacity, length));
    }
}
