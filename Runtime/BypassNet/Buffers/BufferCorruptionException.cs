namespace BypassNet;

/// <summary>
/// A buffer slot was written after it went back to its pool or ring: the poison pattern that
/// <see cref="BypassNetOptions.PoisonBuffers"/> fills returned slots with was broken when the slot was reused. Some code
/// kept a raw pointer or <see cref="Span{T}"/> past the end of its lease — a use-after-return bug.
/// </summary>
public sealed class BufferCorruptionException : InvalidOperationException
{
    internal BufferCorruptionException(string owner, int slot, int offset, byte found)
        : base($"Buffer slot {slot} of {owner} was written after it was returned: byte {offset} is 0x{found:X2}, expected the poison 0x{Buffers.BufferPoison.Pattern:X2}. " +
            "Some code used a pointer or span of an earlier lease of this slot after disposing or handing off its OwnedBuffer.")
    {
        Owner = owner;
        Slot = slot;
        Offset = offset;
    }

    /// <summary>The pool or ring the slot belongs to.</summary>
    public string Owner { get; }

    /// <summary>The corrupted slot's index in its pool or ring.</summary>
    public int Slot { get; }

    /// <summary>The first byte found changed, from the start of the slot.</summary>
    public int Offset { get; }
}
