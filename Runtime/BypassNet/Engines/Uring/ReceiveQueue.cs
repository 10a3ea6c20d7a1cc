using BypassNet.Buffers;

namespace BypassNet.Engines.Uring;

/// <summary>
/// The received bytes of one socket that its application has not taken yet, in arrival order: first compacted bytes
/// (copied out of ring slots into <see cref="CompactionBlock"/>s of the socket's own), then chunks still holding their
/// provided-ring slot. Compaction moves every held chunk to the end of the compacted part, so that order always holds.
/// The head may be partly read (a copy-out smaller than it). Not thread-safe: the <see cref="UringReceiver"/> guards
/// it with its lock.
/// </summary>
internal sealed class ReceiveQueue
{
    /// <summary>The first block of a compaction: small, so a dribbling peer costs about its bytes.</summary>
    private const int MinBlockSize = 512;

    private readonly Queue<CompactionBlock> _blocks = new();
    private readonly Queue<ReceivedChunk> _chunks = new();
    private readonly ProvidedBufferRing _ring;
    private CompactionBlock? _last;
    private int _queuedBytes;
    private int _headOffset;

    public ReceiveQueue(ProvidedBufferRing ring) => _ring = ring;

    public bool IsEmpty => _blocks.Count == 0 && _chunks.Count == 0;

    /// <summary>Ring slots this socket holds for unread data.</summary>
    public int HeldSlots => _chunks.Count;

    /// <summary>Bytes queued (read from any thread: a figure for Available, not a synchronisation point).</summary>
    public int QueuedBytes => Volatile.Read(ref _queuedBytes);

    public void Enqueue(int bid, int length)
    {
        _chunks.Enqueue(new ReceivedChunk(bid, length));
        _queuedBytes += length;
    }

    /// <summary>
    /// Copies every chunk that holds a ring slot into compaction blocks and gives the slots back at once. Blocks are
    /// packed and grow geometrically from 512 bytes up to a slot, so a trickle of tiny segments costs about its bytes
    /// and a large backlog few blocks. Returns the bytes copied.
    /// </summary>
    public int Compact()
    {
        int copied = 0;
        int offset = _blocks.Count == 0 ? _headOffset : 0;
        if (_blocks.Count == 0)
        {
            _headOffset = 0;
        }

        while (_chunks.Count > 0)
        {
            ReceivedChunk chunk = _chunks.Dequeue();
            ReadOnlySpan<byte> bytes = _ring.Bytes(chunk.Bid, offset, chunk.Length - offset);
            offset = 0;
            while (!bytes.IsEmpty)
            {
                if (_last is null || _last.Free == 0)
                {
                    _last = new CompactionBlock(NextBlockSize(bytes.Length));
                    _blocks.Enqueue(_last);
                }

                int n = _last.Append(bytes);
                bytes = bytes[n..];
                copied += n;
            }

            _ring.Return(chunk.Bid);
        }

        return copied;
    }

    /// <summary>Hands the head (from its read offset) to the application as an owned buffer; the lease owns its slot or block.</summary>
    public OwnedBuffer DequeueLease(out int bytes)
    {
        int offset = _headOffset;
        _headOffset = 0;
        OwnedBuffer lease;
        if (_blocks.Count > 0)
        {
            // A lease over the compacted memory itself: no copy, no pool buffer taken from anyone else.
            CompactionBlock block = _blocks.Dequeue();
            if (ReferenceEquals(block, _last))
            {
                _last = null;
            }

            bytes = block.Length - offset;
            lease = block.Lease(offset);
        }
        else
        {
            ReceivedChunk chunk = _chunks.Dequeue();
            bytes = chunk.Length - offset;
            lease = _ring.Lease(chunk.Bid, offset, bytes);
        }

        _queuedBytes -= bytes;
        return lease;
    }

    /// <summary>Copies queued bytes into <paramref name="destination"/>; unless peeking, consumes them (emptied slots and blocks go back).</summary>
    public int CopyOut(Span<byte> destination, bool peek)
    {
        int copied = 0;
        int offset = _headOffset;
        foreach (CompactionBlock block in _blocks)
        {
            if (copied == destination.Length)
            {
                break;
            }

            int n = Math.Min(block.Length - offset, destination.Length - copied);
            block.Bytes(offset, n).CopyTo(destination[copied..]);
            copied += n;
            offset = 0;
        }

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

        if (!peek)
        {
            Consume(copied);
        }

        return copied;
    }

    /// <summary>Gives every queued slot back to the ring and frees every block (the socket closed).</summary>
    public void ReleaseAll()
    {
        while (_blocks.Count > 0)
        {
            _blocks.Dequeue().Release();
        }

        while (_chunks.Count > 0)
        {
            _ring.Return(_chunks.Dequeue().Bid);
        }

        _last = null;
        _queuedBytes = 0;
        _headOffset = 0;
    }

    private int NextBlockSize(int needed)
    {
        int grown = Math.Max(needed, 2 * (_last?.Capacity ?? MinBlockSize / 2));
        int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Min(grown, 1 << 30));
        return Math.Clamp(size, MinBlockSize, Math.Max(MinBlockSize, _ring.BufferSize));
    }

    /// <summary>Drops <paramref name="count"/> bytes from the head: whole blocks are freed, whole chunks go back to the ring.</summary>
    private void Consume(int count)
    {
        int left = count;
        while (left > 0)
        {
            int remaining;
            if (_blocks.Count > 0)
            {
                CompactionBlock head = _blocks.Peek();
                remaining = head.Length - _headOffset;
                if (left >= remaining)
                {
                    _blocks.Dequeue();
                    if (ReferenceEquals(head, _last))
                    {
                        _last = null;
                    }

                    head.Release();
                }
            }
            else
            {
                ReceivedChunk head = _chunks.Peek();
                remaining = head.Length - _headOffset;
                if (left >= remaining)
                {
                    _chunks.Dequeue();
                    _ring.Return(head.Bid);
                }
            }

            if (left >= remaining)
            {
                _headOffset = 0;
                left -= remaining;
            }
            else
            {
                _headOffset += left;
                left = 0;
            }
        }

        _queuedBytes -= count;
    }
}
