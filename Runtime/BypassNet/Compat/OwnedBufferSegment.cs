using System.Buffers;

namespace BypassNet.Compat;

/// <summary>
/// One link of the pipe reader's <see cref="ReadOnlySequence{T}"/>: either a received <see cref="OwnedBuffer"/> lent
/// to the consumer without a copy (a ring slot, back to the ring when the consumer advances past it), or an array
/// rented from <see cref="ArrayPool{T}"/> that the reader owns, into which it compacts bytes the consumer keeps
/// without consuming (so a trickling peer costs its bytes, not a ring slot per segment). Segments are reused by their
/// reader, so steady-state reading allocates nothing.
/// </summary>
internal sealed class OwnedBufferSegment : ReadOnlySequenceSegment<byte>
{
    private byte[]? _array;

    public OwnedBuffer? Buffer { get; private set; }

    /// <summary>True while this segment lends a ring slot (an owned receive), false for reader-owned memory.</summary>
    public bool IsLease => Buffer is not null;

    /// <summary>Bytes in this segment.</summary>
    public int Length { get; private set; }

    /// <summary>The slot or array size behind the bytes.</summary>
    public int Capacity => Buffer?.Capacity ?? _array?.Length ?? 0;

    /// <summary>Room left at the end of a reader-owned array (0 for a lease).</summary>
    public int Spare => _array is null ? 0 : _array.Length - Length;

    public long End => RunningIndex + Length;

    public void Attach(OwnedBuffer buffer, long runningIndex)
    {
        Buffer = buffer;
        Length = buffer.Length;
        // The lease's checked view: the application may keep this memory past AdvanceTo, and the pool and ring slots
        // are shared by every connection, so once the lease ends it must throw rather than reach the slot's next lease.
        Memory = buffer.Memory;
        RunningIndex = runningIndex;
        Next = null;
    }

    /// <summary>Makes this a reader-owned segment over <paramref name="array"/> (rented from the shared array pool), empty.</summary>
    public void AttachArray(byte[] array, long runningIndex)
    {
        _array = array;
        Length = 0;
        Memory = ReadOnlyMemory<byte>.Empty;
        RunningIndex = runningIndex;
        Next = null;
    }

    /// <summary>Copies <paramref name="bytes"/> to the end of a reader-owned segment (the caller checked <see cref="Spare"/>).</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_array.AsSpan(Length));
        Length += bytes.Length;
        Memory = _array.AsMemory(0, Length);
    }

    public void SetNext(OwnedBufferSegment? next) => Next = next;

    /// <summary>Returns the slot or the array to where it came from and clears the links, ready for reuse.</summary>
    public void Release()
    {
        Buffer?.Dispose();
        Buffer = null;
        if (_array is not null)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = null;
        }

        Memory = default;
        Length = 0;
        Next = null;
    }
}
