using System.Buffers;

namespace BypassNet.Compat;

/// <summary>
/// One received <see cref="OwnedBuffer"/> as a link of a <see cref="ReadOnlySequence{T}"/>: the pipe reader hands the
/// kernel-filled memory to its consumer without copying, and returns it to the ring when the consumer advances past it.
/// Segments are reused by their reader, so steady-state reading allocates nothing.
/// </summary>
internal sealed class OwnedBufferSegment : ReadOnlySequenceSegment<byte>
{
    public OwnedBuffer? Buffer { get; private set; }

    /// <summary>Bytes in this segment (the received length).</summary>
    public int Length { get; private set; }

    public long End => RunningIndex + Length;

    public void Attach(OwnedBuffer buffer, long runningIndex)
    {
        Buffer = buffer;
        Length = buffer.Length;
        Memory = buffer.Memory;
        RunningIndex = runningIndex;
        Next = null;
    }

    public void SetNext(OwnedBufferSegment next) => Next = next;

    /// <summary>Returns the buffer to where it came from and clears the links, ready for reuse.</summary>
    public void Release()
    {
        Buffer?.Dispose();
        Buffer = null;
        Memory = default;
        Length = 0;
        Next = null;
    }
}
