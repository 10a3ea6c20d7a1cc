using BypassNet.Buffers;

namespace BypassNet.Engines.Uring;

/// <summary>
/// The received chunks of one socket that its application has not taken yet, in arrival order, each still holding
/// its provided-ring slot. The head chunk may be partly read (a copy-out smaller than the chunk). Not thread-safe:
/// the <see cref="UringReceiver"/> guards it with its lock.
/// </summary>
internal sealed class ReceiveQueue
{
    private readonly Queue<ReceivedChunk> _chunks = new();
    private readonly ProvidedBufferRing _ring;
    private int _queuedBytes;
    private int _headOffset;

    public ReceiveQueue(ProvidedBufferRing ring) => _ring = ring;

    public int Count => _chunks.Count;

    /// <summary>Bytes queued (read from any thread: a figure for Available, not a synchronisation point).</summary>
    public int QueuedBytes => Volatile.Read(ref _queuedBytes);

    public void Enqueue(int bid, int length)
    {
        _chunks.Enqueue(new ReceivedChunk(bid, length));
        _queuedBytes += length;
    }

    /// <summary>Hands the head chunk (from its read offset) to the application as an owned buffer; the lease owns the slot.</summary>
    public OwnedBuffer DequeueLease(out int bytes)
    {
        ReceivedChunk chunk = _chunks.Dequeue();
        int offset = _headOffset;
        bytes = chunk.Length - offset;
        _headOffset = 0;
        _queuedBytes -= bytes;
        return _ring.Lease(chunk.Bid, offset, bytes);
    }

    /// <summary>Copies queued bytes into <paramref name="destination"/>; unless peeking, consumes them (whole chunks go back to the ring).</summary>
    public int CopyOut(Span<byte> destination, bool peek)
    {
        int copied = 0;
        int offset = _headOffset;
        foreach (ReceivedChunk chunk in _chunks)
        {
            if (copied == destination.Length)
            {
                break;
            }

            int n = Math.Min(chunk.Length - offset, destination.Length - copied);
            _ring.Bytes(chunk.Bid, offset, n).CopyTo(destination[copied..]);
            copied += n;
            offset = 0;
        }

        if (peek)
        {
            return copied;
        }

        // Consume what was copied: whole chunks go back to the ring, a partly read one stays at the head.
        int left = copied;
        while (left > 0)
        {
            ReceivedChunk head = _chunks.Peek();
            int remaining = head.Length - _headOffset;
            if (left >= remaining)
            {
                _chunks.Dequeue();
                _ring.Return(head.Bid);
                _headOffset = 0;
                left -= remaining;
            }
            else
            {
                _headOffset += left;
                left = 0;
            }
        }

        _queuedBytes -= copied;
        return copied;
    }

    /// <summary>Gives every queued slot back to the ring (the socket closed).</summary>
    public void ReleaseAll()
    {
        while (_chunks.Count > 0)
        {
            _ring.Return(_chunks.Dequeue().Bid);
        }

        _queuedBytes = 0;
        _headOffset = 0;
    }
}
