using System.Net.Sockets;
using BypassNet.Buffers;
using BypassNet.Diagnostics;
using BypassNet.Ring;

namespace BypassNet.Engines.Uring;

/// <summary>
/// Send side of one socket: sends go out one at a time in the order they reached the ring (a short send's remainder
/// is resubmitted before the next send's bytes, as System.Net.Sockets guarantees too), each a pooled
/// <see cref="SendOperation"/>; zero-copy is used until the kernel reports it copied anyway, then plain SEND.
/// </summary>
internal sealed class UringSender
{
    private readonly UringConnection _connection;
    private readonly Queue<SendOperation> _queue = new();
    private SendOperation? _cached;
    private SendOperation? _head;
    private volatile bool _zeroCopyOff;

    public UringSender(UringConnection connection) => _connection = connection;

    public ValueTask<int> SendAsync(OwnedBuffer buffer, CancellationToken cancellationToken)
    {
        // Ownership moves first, so the buffer is never leaked or reusable by the caller, whatever happens next.
        BufferLease lease = buffer.HandOff();
        if (_connection.IsClosingOrStopping || !_connection.IsConnectedForSend || cancellationToken.IsCancellationRequested)
        {
            lease.Release();
            _connection.ThrowIfUnusable();
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<int>(cancellationToken);
            }

            throw new SocketException((int)SocketError.NotConnected);
        }

        return Rent().Send(lease, cancellationToken);
    }

    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        _connection.ThrowIfUnusable();
        if (!_connection.IsConnectedForSend)
        {
            throw new SocketException((int)SocketError.NotConnected);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        return Rent().Send(buffer, cancellationToken);
    }

    /// <summary>Whether a send of <paramref name="length"/> owned bytes should go out as SEND_ZC.</summary>
    public bool UseZeroCopy(int length) =>
        !_zeroCopyOff && length >= _connection.Engine.Options.ZeroCopyThreshold && _connection.Engine.Capabilities.SendZeroCopy;

    /// <summary>A zero-copy notification; after the kernel copied one (loopback always does), plain SEND is cheaper from now on.</summary>
    public void OnZeroCopyNotification(bool copied)
    {
        EngineCounters statistics = _connection.Statistics;
        if (!copied)
        {
            statistics.Add(ref statistics.ZeroCopySends);
            return;
        }

        statistics.Add(ref statistics.ZeroCopyCopied);
        if (!_zeroCopyOff)
        {
            _zeroCopyOff = true;
            Log.ZeroCopyCopied(_connection.Engine.Logger, _connection.Fd);
        }
    }

    public void Return(SendOperation operation) => Interlocked.CompareExchange(ref _cached, operation, null);

    /// <summary>True when <paramref name="operation"/> may go now (ring thread); otherwise it is queued behind the active send.</summary>
    public bool TryBeginSend(SendOperation operation)
    {
        if (_head is null || ReferenceEquals(_head, operation))
        {
            _head = operation;
            return true;
        }

        _queue.Enqueue(operation);
        return false;
    }

    /// <summary>The active send finished (ring thread): the next queued send goes.</summary>
    public void EndSend(SendOperation operation, RingEventLoop loop)
    {
        if (!ReferenceEquals(_head, operation))
        {
            return;
        }

        _head = null;
        if (_queue.TryDequeue(out SendOperation? next))
        {
            _head = next;
            loop.Submit(next);
        }
    }

    /// <summary>Takes a canceled send out of the queue before its turn (ring thread); false when it is not queued.</summary>
    public bool RemoveQueuedSend(SendOperation operation)
    {
        if (!_queue.Contains(operation))
        {
            return false;
        }

        // Rotate once through the queue, dropping the canceled send (no LINQ: this runs on cancel and close paths).
        for (int i = _queue.Count; i > 0; i--)
        {
            SendOperation queued = _queue.Dequeue();
            if (!ReferenceEquals(queued, operation))
            {
                _queue.Enqueue(queued);
            }
        }

        return true;
    }

    private SendOperation Rent() => Interlocked.Exchange(ref _cached, null) ?? new SendOperation(_connection, this);
}
