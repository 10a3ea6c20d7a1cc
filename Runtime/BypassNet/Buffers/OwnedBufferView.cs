using System.Buffers;

namespace BypassNet.Buffers;

/// <summary>
/// The <see cref="MemoryManager{T}"/> behind <see cref="OwnedBuffer.Memory"/>: bound to one lease (core and token), so a
/// <see cref="Memory{T}"/> taken in that lease throws once the lease ends, even after the slot is leased again. Made
/// only when the program asks for <see cref="OwnedBuffer.Memory"/>, once per lease.
/// </summary>
internal sealed class OwnedBufferView : MemoryManager<byte>
{
    private readonly BufferCore _core;

    public OwnedBufferView(BufferCore core, long token)
    {
        _core = core;
        Token = token;
    }

    public long Token { get; }

    /// <summary>True while the lease this view belongs to is owned.</summary>
    public bool IsLeaseOwned => _core.IsOwned(Token);

    public Memory<byte> Slice(int length) => CreateMemory(length);

    /// <inheritdoc />
    public override Span<byte> GetSpan() => _core.GetCapacitySpan(Token);

    /// <inheritdoc />
    public override MemoryHandle Pin(int elementIndex = 0) => _core.Pin(Token, elementIndex, this);

    /// <inheritdoc />
    public override void Unpin() => _core.Unpin(Token);

    /// <inheritdoc />
    protected override void Dispose(bool disposing) => _core.Dispose(Token);
}
