using System.Net;
using System.Net.Sockets;

namespace EchoApp;

/// <summary>
/// Starts an echo server on a loopback port, connects a client, sends random payloads, checks that every byte comes
/// back in order, and prints OK. Written against plain System.Net.Sockets.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        int count = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 200;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        CancellationToken ct = timeout.Token;

        var server = new EchoServer(new IPEndPoint(IPAddress.Loopback, 0));
        Task serving = server.RunAsync(ct);
        Console.WriteLine($"echo server listening on {server.EndPoint}");

        var random = new Random(20261122);
        long total = 0;
        using (Socket client = await EchoClient.ConnectAsync(server.EndPoint, ct))
        {
            for (int i = 0; i < count; i++)
            {
                byte[] payload = new byte[random.Next(1, 256 * 1024)];
                random.NextBytes(payload);
                byte[] echo = await EchoClient.RoundTripAsync(client, payload, ct);
                if (!payload.AsSpan().SequenceEqual(echo))
                {
                    Console.Error.WriteLine($"FAIL: payload {i} ({payload.Length} bytes) came back different");
                    return 1;
                }

                total += payload.Length;
            }

            // Half-close: the server sees end of stream, closes, and we see it close.
            client.Shutdown(SocketShutdown.Send);
            if (await client.ReceiveAsync(new byte[1].AsMemory(), SocketFlags.None, ct) != 0)
            {
                Console.Error.WriteLine("FAIL: the server sent bytes after the last echo");
                return 1;
            }
        }

        server.Stop();
        await serving;
        Console.WriteLine($"udp: {UdpSelfTest()}");
        Console.WriteLine($"OK: {count} payloads, {total} bytes echoed intact");
        return 0;
    }

    /// <summary>A datagram to ourselves. UDP stays on System.Net.Sockets: BYP100 leaves this socket alone.</summary>
    private static string UdpSelfTest()
    {
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        udp.SendTo("ping"u8.ToArray(), udp.LocalEndPoint!);
        var buffer = new byte[16];
        int received = udp.Receive(buffer);
        return System.Text.Encoding.ASCII.GetString(buffer, 0, received);
    }
}
