using System.Net;
using System.Net.Sockets;

namespace BypassNet.Tests.Support;

/// <summary>Creates runtimes for tests: every socket test runs on both engines.</summary>
public static class TestEngines
{
    /// <summary>xunit member data: both engine kinds.</summary>
    public static TheoryData<EngineKind> Both => new() { EngineKind.IoUring, EngineKind.Socket };

    /// <summary>True when this machine's kernel lets BypassNet use io_uring.</summary>
    public static bool IoUringAvailable => BypassNet.Testing.IoUringAvailability.Available;

    public static BypassRuntime Create(EngineKind engine, Action<BypassNetOptions>? configure = null)
        => BypassNet.Testing.IoUringAvailability.CreateRuntime(engine, configure);

    /// <summary>A listening socket on loopback with an ephemeral port.</summary>
    public static BypassSocket Listen(BypassRuntime runtime, int backlog = 512)
    {
        var listener = new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(backlog);
        return listener;
    }

    /// <summary>Connects a client and accepts the server side.</summary>
    public static async Task<(BypassSocket Client, BypassSocket Server)> ConnectPairAsync(BypassRuntime runtime, BypassSocket listener)
    {
        var client = new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Task<BypassSocket> accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        BypassSocket server = await accept.WaitAsync(TimeSpan.FromSeconds(30));
        return (client, server);
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes with owned receives, or throws on early end of stream.</summary>
    public static async Task<byte[]> ReceiveExactlyAsync(BypassSocket socket, int count, CancellationToken cancellationToken = default)
    {
        var result = new byte[count];
        int filled = 0;
        while (filled < count)
        {
            using OwnedBuffer buffer = await socket.ReceiveAsync(cancellationToken);
            if (buffer.Length == 0)
            {
                throw new EndOfStreamException($"Peer closed after {filled} of {count} bytes.");
            }

            buffer.Span.CopyTo(result.AsSpan(filled));
            filled += buffer.Length;
        }

        return result;
    }
}
