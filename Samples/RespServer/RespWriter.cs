using System.Buffers;
using System.Runtime.CompilerServices;

namespace BypassNet.Samples.Resp;

/// <summary>
/// Builds RESP2 replies into owned buffers rented from the runtime's pool, so a whole pipeline's replies go out in as
/// few sends as possible. Writing never waits: a full buffer joins the pending list and another is rented (or, when the
/// pool is empty, a managed overflow buffer is used). <see cref="FlushAsync"/> sends everything pending, in order.
/// Large stored values are not copied while the store is locked: the reply refers to the value's array (values that
/// large are never changed in place) and the bytes are copied into send buffers at flush time.
/// </summary>
internal sealed class RespWriter : IDisposable
{
    /// <summary>Bulk values at least this long are referenced rather than copied while writing.</summary>
    public const int LargeValueThreshold = 16 * 1024;

    /// <summary>Room for a type byte, a 64-bit integer and CRLF.</summary>
    private const int MaxHeaderLength = 1 + AsciiNumber.MaxInt64Length + 2;

    private readonly BufferPool _pool;
    private readonly List<PendingSend> _pending = new();
    private OwnedBuffer? _buffer;
    private byte[]? _overflow;
    private int _written;
    private int _capacity;
    private long _pendingBytes;
    private ValueTask<int> _inFlight;

    public RespWriter(BufferPool pool) => _pool = pool;

    /// <summary>Bytes written and not yet sent.</summary>
    public long BufferedBytes => _pendingBytes + _written;

    public void WriteRaw(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            Span<byte> span = GetSpan(1);
            int n = Math.Min(span.Length, data.Length);
            data[..n].CopyTo(span);
            _written += n;
            data = data[n..];
        }
    }

    /// <summary>Writes <c>-message\r\n</c>; the message must not contain CR or LF.</summary>
    public void WriteError(ReadOnlySpan<byte> message)
    {
        WriteRaw("-"u8);
        WriteRaw(message);
        WriteRaw("\r\n"u8);
    }

    public void WriteInteger(long value) => WriteHeader((byte)':', value);

    public void WriteArrayHeader(int count) => WriteHeader((byte)'*', count);

    public void WriteNullBulk() => WriteRaw("$-1\r\n"u8);

    public void WriteBulk(ReadOnlySpan<byte> value)
    {
        WriteHeader((byte)'$', value.Length);
        WriteRaw(value);
        WriteRaw("\r\n"u8);
    }

    /// <summary>Writes the first <paramref name="length"/> bytes of a stored value, by reference when it is large.</summary>
    public void WriteBulk(byte[] value, int length)
    {
        if (length < LargeValueThreshold)
        {
            WriteBulk(value.AsSpan(0, length));
            return;
        }

        WriteHeader((byte)'$', length);
        Retire();
        _pending.Add(PendingSend.Managed(value, length, pooled: false));
        _pendingBytes += length;
        WriteRaw("\r\n"u8);
    }

    /// <summary>
    /// Sends everything written so far, in order, then releases the current buffer. The last send, when it is an owned
    /// buffer, is left in flight: the next flush (or <see cref="DrainAsync"/>) awaits it before sending more. By then
    /// the client has usually answered it, so a request/response connection resumes once per request, not twice, and
    /// a client that stops reading still holds the connection to one send in flight.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask FlushAsync(BypassSocket socket, CancellationToken cancellationToken)
    {
        Retire();
        ReleaseTarget();
        try
        {
            await DrainAsync().ConfigureAwait(false);
            for (int i = 0; i < _pending.Count; i++)
            {
                PendingSend item = _pending[i];
                // The list no longer owns the entry: whatever happens next, it is not released twice.
                _pending[i] = default;
                if (item.Buffer is { } owned)
                {
                    ValueTask<int> send = socket.SendAsync(owned, cancellationToken);
                    if (i == _pending.Count - 1)
                    {
                        _inFlight = send;
                        break;
                    }

                    await send.ConfigureAwait(false);
                }
                else
                {
                    await SendManagedAsync(socket, item, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            ReleasePending();
        }
    }

    /// <summary>Waits for the send a flush left in flight; its error, if it failed, surfaces here.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask DrainAsync()
    {
        ValueTask<int> send = _inFlight;
        _inFlight = default;
        await send.ConfigureAwait(false);
    }

    /// <summary>Drops whatever was not sent (the connection is going away); call <see cref="DrainAsync"/> first.</summary>
    public void Dispose()
    {
        ReleaseTarget();
        ReleasePending();
    }

    private void WriteHeader(byte prefix, long value)
    {
        Span<byte> span = GetSpan(MaxHeaderLength);
        span[0] = prefix;
        int n = AsciiNumber.Format(value, span[1..]);
        span[n + 1] = (byte)'\r';
        span[n + 2] = (byte)'\n';
        _written += n + 3;
    }

    /// <summary>Free space of at least <paramref name="sizeHint"/> bytes (at most <see cref="MaxHeaderLength"/>) in the current target.</summary>
    private Span<byte> GetSpan(int sizeHint)
    {
        if (_capacity - _written < sizeHint)
        {
            Retire();
            if (_capacity - _written < sizeHint)
            {
                NewTarget();
            }
        }

        return _buffer is { } target ? target.Span[_written..] : _overflow.AsSpan(_written, _capacity - _written);
    }

    private void NewTarget()
    {
        if (_pool.TryRent(out OwnedBuffer buffer))
        {
            _buffer = buffer;
            _capacity = buffer.Capacity;
        }
        else
        {
            // Writing never waits for the pool (it runs while a command holds the store); overflow goes to managed memory.
            _overflow = ArrayPool<byte>.Shared.Rent(_pool.BufferSize);
            _capacity = _overflow.Length;
        }
    }

    /// <summary>Moves the current target, if anything was written to it, to the end of the pending list.</summary>
    private void Retire()
    {
        if (_written == 0)
        {
            return;
        }

        if (_buffer is not null)
        {
            OwnedBuffer buffer = _buffer.Value;
            _buffer = null;
            buffer.Length = _written;
            _pending.Add(PendingSend.Owned(buffer));
        }
        else if (_overflow is not null)
        {
            _pending.Add(PendingSend.Managed(_overflow, _written, pooled: true));
            _overflow = null;
        }

        _pendingBytes += _written;
        _written = 0;
        _capacity = 0;
    }

    private void ReleaseTarget()
    {
        if (_buffer is not null)
        {
            OwnedBuffer buffer = _buffer.Value;
            _buffer = null;
            buffer.Dispose();
        }

        if (_overflow is not null)
        {
            ArrayPool<byte>.Shared.Return(_overflow);
            _overflow = null;
        }

        _written = 0;
        _capacity = 0;
    }

    private void ReleasePending()
    {
        foreach (PendingSend item in _pending)
        {
            item.Buffer?.Dispose();
            if (item.PooledArray)
            {
                ArrayPool<byte>.Shared.Return(item.Array!);
            }
        }

        _pending.Clear();
        _pendingBytes = 0;
    }

    /// <summary>Sends managed bytes through owned buffers; if the pool is empty, straight from the (pinned) array instead of waiting.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendManagedAsync(BypassSocket socket, PendingSend item, CancellationToken cancellationToken)
    {
        byte[] array = item.Array!;
        try
        {
            int offset = 0;
            while (offset < item.Count)
            {
                if (!_pool.TryRent(out OwnedBuffer chunk))
                {
                    // Waiting for the pool while other connections wait too could deadlock them all; the drop-in path needs no pool.
                    await socket.SendAsync(array.AsMemory(offset, item.Count - offset), cancellationToken).ConfigureAwait(false);
                    return;
                }

                int n = Math.Min(chunk.Capacity, item.Count - offset);
                array.AsSpan(offset, n).CopyTo(chunk.Span);
                chunk.Length = n;
                offset += n;
                await socket.SendAsync(chunk, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (item.PooledArray)
            {
                ArrayPool<byte>.Shared.Return(array);
            }
        }
    }
}
