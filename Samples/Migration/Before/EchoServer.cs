using System.Net;
using System.Net.Sockets;

namespace EchoApp;

/// <summary>Accepts connections and echoes every byte back until the peer closes.</summary>
internal sealed class EchoServer
{
    private readonly Socket _listener;

    public EchoServer(IPEndPoint endPoint)
    {
        _listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(endPoint);
        _listener.Listen(16);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    public async Task RunAsync(CancellationToken ct)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                Socket connection = await _listener.AcceptAsync(ct);
                connections.Add(ServeAsync(connection, ct));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Stop() closed the listener.
        }

        await Task.WhenAll(connections);
    }

    public void Stop() => _listener.Close();

    private static async Task ServeAsync(Socket connection, CancellationToken ct)
    {
        using (connection)
        {
            connection.NoDelay = true;
            var buffer = new byte[16 * 1024];
            while (true)
            {
                int received = await connection.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, ct);
                if (received == 0)
                {
                    break;
                }

                await connection.SendAsync(buffer.AsMemory(0, received), SocketFlags.None, ct);
            }
        }
    }
}
