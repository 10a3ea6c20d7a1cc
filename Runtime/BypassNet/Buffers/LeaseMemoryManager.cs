using System.Buffers;

namespace BypassNet.Buffers;

/// <summary>
/// One <see cref="MemoryManager{T}"/> per <see cref="BufferCore"/> for the faces that lend a lease's bytes under their
/// own discipline (pipe reader segments: valid until AdvanceTo; the managed engine's receive into its own lease). It
/// works on whichever lease of the core is live and throws when none is, so it costs nothing per lease. It is never
/// what <see cref="OwnedBuffer.Memory"/> returns: a program's stale handle still cannot reach a later lease.
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
