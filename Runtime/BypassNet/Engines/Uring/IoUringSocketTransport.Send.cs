using System.Net.Sockets;
using BypassNet.Buffers;
using BypassNet.Diagnostics;
using BypassNet.Ring;

namespace BypassNet.Engines.Uring;

/// <summary>Send side: each send is a pooled <see cref="SendOperation"/>; zero-copy is used until the kernel reports it copied anyway.</summary>
internal sealed partial class IoUringSocketTransport
{
    private readonly Queue<SendOperation> _sendQueue = new();
    private SendOperation? _cachedSend;
    private SendOperation? _sendHead;
    private volatile bool _zeroCopyOff;

    public override ValueTask<int> SendAsync(OwnedBuffer buffer, CancellationToken cancellationToken)
    {
        // Ownership moves first, so the buffer is never leaked or reusable by the caller, whatever happens next.
        BufferLease lease = buffer.HandOff();
        if (_closing || !_connected || cancellationToken.IsCancellationRequested || _ring.Loop.IsStopping)
        {
            lease.Release();
            ThrowIfUnusable();
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<int>(cancellationToken);
            }

            throw new SocketException((int)SocketError.NotConnected);
        }

        return RentSendOperation().Send(lease, cancellationToken);
    }

    public override ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, SocketFlags socketFlags, CancellationToken cancellationToken)
    {
        ValidateFlags(socketFlags, receive: false);
        ThrowIfUnusable();
        if (!_connected)
        {
            throw new SocketException((int)SocketError.NotConnected);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        return RentSendOperation().Send(buffer, cancellationToken);
    }

    /// <summary>Whether a send of <paramref name="length"/> owned bytes should go out as SEND_ZC.</summary>
    internal bool UseZeroCopy(int length) =>
        !_zeroCopyOff && length >= _engine.Options.ZeroCopyThreshold && _engine.Capabilities.SendZeroCopy;

    /// <summary>The kernel copied a zero-copy send (loopback always does): plain SEND is cheaper from now on.</summary>
    internal void OnZeroCopyCopied()
    {
        if (!_zeroCopyOff)
        {
            _zeroCopyOff = true;
            Log.ZeroCopyCopied(_engine.Logger, _fd);
        }
    }

    internal void ReturnSendOperation(SendOperation operation) => Interlocked.CompareExchange(ref _cachedSend, operation, null);

    /// <summary>
    /// Sends on one socket go out one at a time, in the order they reached the ring (ring thread): a short send's
    /// remainder is resubmitted, and a send issued meanwhile must not slip its bytes in between, as System.Net.Sockets
    /// guarantees too. True when <paramref name="operation"/> may go now; otherwise it is queued behind the active send.
    /// </summary>
    internal bool TryBeginSend(SendOperation operation)
    {
        if (_sendHead is null || ReferenceEquals(_sendHead, operation))
        {
            _sendHead = operation;
            return true;
        }

        _sendQueue.Enqueue(operation);
        return false;
    }

    /// <summary>The active send finished (ring thread): the next queued send goes.</summary>
    internal void EndSend(SendOperation operation, RingEventLoop loop)
    {
        if (!ReferenceEquals(_sendHead, operation))
        {
            return;
        }

        _sendHead = null;
        if (_sendQueue.TryDequeue(out SendOperation? next))
        {
            _sendHead = next;
            next.Start(loop);
        }
    }

    /// <summary>Takes a canceled send out of the queue before its turn (ring thread); false when it is not queued.</summary>
    internal bool RemoveQueuedSend(SendOperation operation)
    {
        if (!_sendQueue.Contains(operation))
        {
            return false;
        }

        SendOperation[] rest = _sendQueue.Where(o => !ReferenceEquals(o, operation)).ToArray();
        _sendQueue.Clear();
        foreach (SendOperation o in rest)
        {
            _sendQueue.Enqueue(o);
        }

        return true;
    }

    private SendOperation RentSendOperation() => Interlocked.Exchange(ref _cachedSend, null) ?? new SendOperation(this);
}
