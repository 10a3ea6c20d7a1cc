using System.Net.Sockets;
using BypassNet.Buffers;
using BypassNet.Diagnostics;

namespace BypassNet.Engines.IoUring;

/// <summary>Send side: each send is a pooled <see cref="SendOperation"/>; zero-copy is used until the kernel reports it copied anyway.</summary>
internal sealed partial class IoUringSocketTransport
{
    private SendOperation? _cachedSend;
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

    private SendOperation RentSendOperation() => Interlocked.Exchange(ref _cachedSend, null) ?? new SendOperation(this);
}
