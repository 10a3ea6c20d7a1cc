using System.Net;
using System.Net.Sockets;
using BypassNet.Interop;
using BypassNet.Sockets;

namespace BypassNet.Engines.Uring;

/// <summary>Connect side of a socket: io_uring CONNECT (each address of a DNS name in turn), then the connection gets a control-plane socket over the same descriptor so it knows its endpoints.</summary>
internal sealed class UringConnector
{
    private readonly UringConnection _connection;

    public UringConnector(UringConnection connection) => _connection = connection;

    public async ValueTask ConnectAsync(EndPoint remoteEndPoint, CancellationToken cancellationToken)
    {
        if (remoteEndPoint is DnsEndPoint dns)
        {
            Socket socket = _connection.Socket;
            IPAddress[] addresses = await Dns.GetHostAddressesAsync(dns.Host, cancellationToken).ConfigureAwait(false);
            SocketException? last = null;
            foreach (IPAddress address in addresses)
            {
                if (!socket.DualMode && address.AddressFamily != socket.AddressFamily)
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
        Socket old = _connection.Socket;
        if (remoteEndPoint is IPEndPoint ip && ip.AddressFamily == AddressFamily.InterNetwork && old.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // As Socket does for dual-mode sockets.
            remoteEndPoint = new IPEndPoint(ip.Address.MapToIPv6(), ip.Port);
        }

        SocketAddress address = remoteEndPoint.Serialize();
        var operation = new ConnectOperation(_connection, address.Buffer.Span[..address.Size]);
        int result = await operation.Run(cancellationToken).ConfigureAwait(false);
        if (result < 0)
        {
            if (result == -Libc.ECANCELED)
            {
                ObjectDisposedException.ThrowIf(_connection.IsClosingOrStopping, _connection);
                cancellationToken.ThrowIfCancellationRequested();
            }

            throw SocketErrors.Exception(-result);
        }

        // A Socket built over the connected descriptor reports LocalEndPoint, RemoteEndPoint and Connected as usual.
        // The old socket keeps owning the descriptor until the new one exists; then ownership moves, so exactly one
        // handle ever closes it (a failed wrap gives up its claim instead of closing it under the old socket).
        var handle = new SafeSocketHandle((IntPtr)_connection.Fd, ownsHandle: true);
        Socket connected;
        try
        {
            connected = new Socket(handle);
        }
        catch
        {
            handle.SetHandleAsInvalid();
            throw;
        }

        old.SafeHandle.SetHandleAsInvalid();
        _connection.OnConnected(connected);
    }
}
