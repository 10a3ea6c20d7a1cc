using System.Net;
using System.Net.Sockets;

namespace EchoApp;

/// <summary>The client side: connect, send a payload, read back exactly as many bytes.</summary>
internal static class EchoClient
{
    public static async Task<Socket> ConnectAsync(EndPoint server, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server, ct);
        return socket;
    }

    public static async Task<byte[]> RoundTripAsync(Socket socket, byte[] payload, CancellationToken ct)
    {
        // Send and receive concurrently: a payload larger than the socket buffers would otherwise deadlock.
        Task sending = SendAllAsync(socket, payload, ct);
        byte[] echo = new byte[payload.Length];
        int filled = 0;
        while (filled < echo.Length)
        {
            int received = await socket.ReceiveAsync(echo.AsMemory(filled), SocketFlags.None, ct);
            if (received == 0)
            {
                throw new IOException($"the server closed after {filled} of {echo.Length} bytes");
            }

            filled += received;
        }

        await sending;
        return echo;
    }

    private static async Task SendAllAsync(Socket socket, byte[] payload, CancellationToken ct)
    {
        int sent = 0;
        while (sent < payload.Length)
        {
            sent += await socket.SendAsync(payload.AsMemory(sent), SocketFlags.None, ct);
        }
    }
}
