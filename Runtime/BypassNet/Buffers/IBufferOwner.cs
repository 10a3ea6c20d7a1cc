namespace BypassNet.Buffers;

/// <summary>Where a buffer slot goes back to when its lease ends: a <see cref="BufferPool"/> or a provided buffer ring.</summary>
internal interface IBufferOwner
{
    /// <summary>Takes the slot back. Called exactly once per lease, from any thread.</summary>
    void Return(int slot);
}
