using System.Net;
using System.Net.Sockets;

namespace BypassNet.CodeFixes.Tests.Migration;

/// <summary>
/// The synchronous members added to BypassSocket for the swap (Accept, Connect, Send/Receive with flags) behave like
/// Socket's, on both engines.
/// </summary>
public class DropInSurfaceTests
{
    public static TheoryData<EngineKind> Engines => new() { EngineKind.IoUring, EngineKind.Socket };

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Sync_accept_connect_send_receive(EngineKind engine)
    {
        using BypassRuntime runtime = BypassRuntime.Create(new BypassNetOptions { Engine = engine, RingCount = 1, SendBufferCount = 8, ReceiveBuffersPerRing = 8 });
        using var listener = new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;

        using var client = new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Task<BypassSocket> accepting = Task.Run(listener.Accept);
        client.Connect(IPAddress.Loopback, port);
        using BypassSocket server = await accepting;
        Assert.True(client.Connected);

        Assert.Equal(3, client.Send(new byte[] { 1, 2, 3 }, SocketFlags.None));
        var received = new byte[3];
        int total = 0;
        while (total < 3)
        {
            total += server.Receive(received.AsSpan(total), SocketFlags.None);
        }

        Assert.Equal(new byte[] { 1, 2, 3 }, received);
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, server.Receive(new byte[1], SocketFlags.None));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Sync_connect_to_a_closed_port_throws_SocketException(EngineKind engine)
    {
        using BypassRuntime runtime = BypassRuntime.Create(new BypassNetOptions { Engine = engine, RingCount = 1, SendBufferCount = 4, ReceiveBuffersPerRing = 4 });
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        using var client = new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var error = Assert.Throws<SocketException>(() => client.Connect(new IPEndPoint(IPAddress.Loopback, port)));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }
}
