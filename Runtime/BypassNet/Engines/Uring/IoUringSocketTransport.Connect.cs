using System.Net;
using System.Net.Sockets;
using BypassNet.Interop;
using BypassNet.Sockets;

namespace BypassNet.Engines.Uring;

/// <summary>Connect side: io_uring CONNECT, then the control-plane socket is re-created over the same descriptor so it knows its endpoints.</summary>
internal sealed partial class IoUringSocketTransport
{
    public override async ValueTask ConnectAsync(EndPoint remoteEndPoint, CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        if (_connected)
        {
            throw new SocketException((int)SocketError.IsConnected);
        }

        if (remoteEndPoint is DnsEndPoint dns)
        {
            IPAddress[] addresses = await Dns.GetHostAddressesAsync(dns.Host, cancellationToken).ConfigureAwait(false);
            SocketException? last = null;
            foreach (IPAddress address in addresses)
            {
                if (!Socket.DualMode && address.AddressFamily != Socket.AddressFamily)
                {
                    continue;
                }

                try
                {
                    await ConnectOnceAsync(new IPEndPoint(address, dns.Port), cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (SocketException ex)
                {
                    last = ex;
                }
            }

            throw last ?? new SocketException((int)SocketError.HostNotFound);
        }

        await ConnectOnceAsync(remoteEndPoint, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask ConnectOnceAsync(EndPoint remoteEndPoint, CancellationToken cancellationToken)
    {
        if (remoteEndPoint is IPEndPoint ip && ip.AddressFamily == AddressFamily.InterNetwork && Socket.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // As Socket does for dual-mode sockets.
            remoteEndPoint = new IPEndPoint(ip.Address.MapToIPv6(), ip.Port);
        }

        SocketAddress address = remoteEndPoint.Serialize();
        var operation = new ConnectOperation(this, address.Buffer.Span[..address.Size]);
        int result = await operation.Run(cancellationToken).ConfigureAwait(false);
        if (result < 0)
        {
            if (result == -Libc.ECANCELED)
            {
                ObjectDisposedException.ThrowIf(_closing || _ring.Loop.IsStopping, this);
                cancellationToken.ThrowIfCancellationRequested();
            }

            throw SocketErrors.Exception(-result);
        }

        // A Socket built over the connected descriptor reports LocalEndPoint, RemoteEndPoint and Connected as usual.
        Socket old = Socket;
        var connected = new Socket(new SafeSocketHandle((IntPtr)_fd, ownsHandle: true));
        old.SafeHandle.SetHandleAsInvalid();
        Socket = connected;
        _connected = true;
        StartReceiving();
    }
}
