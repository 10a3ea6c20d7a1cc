using System.Net;
using System.Net.Sockets;

namespace BypassNet.Compat.Tests.Support;

/// <summary>
/// One runtime per engine for a test class (xunit class fixture), disposed after the class: every drop-in face is
/// tested on io_uring and on the socket engine.
/// </summary>
public sealed class EngineRuntimes : IDisposable
{
    private readonly BypassRuntime _ioUring;
    private readonly BypassRuntime _socket;

    public EngineRuntimes()
    {
        _ioUring = Create(EngineKind.IoUring);
        _socket = Create(EngineKind.Socket);
    }

    /// <summary>xunit member data: both engine kinds.</summary>
    public static TheoryData<EngineKind> Both => new() { EngineKind.IoUring, EngineKind.Socket };

    /// <summary>True when this kernel lets BypassNet use io_uring.</summary>
    public static bool IoUringAvailable => BypassNet.Testing.IoUringAvailability.Available;

    public BypassRuntime this[EngineKind engine] => engine == EngineKind.IoUring ? _ioUring : _socket;

    public static BypassRuntime Create(EngineKind engine, Action<BypassNetOptions>? configure = null)
        => BypassNet.Testing.IoUringAvailability.CreateRuntime(engine, options =>
        {
            options.ReceiveBuffersPerRing = 128;
            configure?.Invoke(options);
        });

    /// <summary>A connected pair on loopback: client and accepted server side.</summary>
    public static async Task<(BypassSocket Client, BypassSocket Server)> ConnectPairAsync(BypassRuntime runtime)
    {
        using var listener = new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        var client = new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Task<BypassSocket> accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        BypassSocket server = await accept.WaitAsync(TimeSpan.FromSeconds(30));
        return (client, server);
    }

    public void Dispose()
    {
        _ioUring.Dispose();
        _socket.Dispose();
    }
}
