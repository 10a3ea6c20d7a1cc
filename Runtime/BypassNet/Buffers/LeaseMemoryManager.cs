using System.Buffers;

namespace BypassNet.Buffers;

/// <summary>
/// One <see cref="MemoryManager{T}"/> per <see cref="BufferCore"/> for memory that never leaves the runtime while it
/// holds the lease (the managed engine's receive into its own lease, the pipe writer's direct send). It works on
/// whichever lease of the core is live and throws when none is, so it costs nothing per lease. It is never handed to
/// application code (that gets <see cref="OwnedBuffer.Memory"/>'s checked view), so no stale memory reaches a later lease.
/// </summary>
internal sealed class LeaseMemoryManager : MemoryManager<byte>
{
    private readonly BufferCore _core;

    public LeaseMemoryManager(BufferCore core) => _core = core;

    public Memory<byte> Slice(int length) => CreateMemory(length);

    /// <inheritdoc />
    public override Span<byte> GetSpan() => _core.GetCapacitySpan(_core.CurrentToken());

    /// <inheritdoc />
    public override MemoryHandle Pin(int elementIndex = 0) => _core.Pin(_core.CurrentToken(), elementIndex, this);

    /// <inheritdoc />
    public override void Unpin()
    {
        long token = _core.PinnedToken();
        if (token >= 0)
        {
            _core.Unpin(token);
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        // The face that holds the lease ends it; this manager lives as long as its core.
    }
}
