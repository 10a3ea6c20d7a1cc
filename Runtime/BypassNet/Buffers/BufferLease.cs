namespace BypassNet.Buffers;

/// <summary>
/// The kernel-side view of a buffer after its <see cref="OwnedBuffer"/> handle was handed off: where the bytes are and
/// whom to give the slot back to once the kernel is done. A value type so that a handoff allocates nothing.
/// </summary>
internal readonly unsafe struct BufferLease
{
    public BufferLease(IBufferOwner owner, int slot, nint address, int length)
    {
        Owner = owner;
        Slot = slot;
        Address = address;
        Length = length;
    }

    public IBufferOwner Owner { get; }

    public int Slot { get; }

    public nint Address { get; }

    public int Length { get; }

    public bool IsEmpty => Owner is null;

    /// <summary>The bytes, for a synchronous system call that is done with them when it returns.</summary>
    public ReadOnlySpan<byte> Bytes => new((void*)Address, Length);

    /// <summary>Gives the slot back to its owner. Call once, after the last completion that may touch the memory.</summary>
    public void Release() => Owner.Return(Slot);
}
