using System.Net;

namespace BypassNet.Samples.Demo;

/// <summary>The BypassNet echo server (owned buffers, inline continuations) on its own runtime.</summary>
internal sealed class BypassNetServer : IServerUnderTest
{
    private readonly BypassRuntime _runtime;
    private readonly OwnedEchoServer _server;

    private BypassNetServer(BypassRuntime runtime, OwnedEchoServer server)
    {
        _runtime = runtime;
        _server = server;
    }

    public string Name => $"BypassNet ({(_runtime.Engine == EngineKind.IoUring ? "io_uring" : "socket engine")})";

    public IPEndPoint EndPoint => _server.LocalEndPoint;

    public int ProcessId => Environment.ProcessId;

    public bool InProcess => true;

    public BypassRuntime Runtime => _runtime;

    public static BypassNetServer Start(BypassNetOptions options)
    {
        BypassRuntime runtime = BypassRuntime.Create(options);
        try
        {
            return new BypassNetServer(runtime, OwnedEchoServer.Start(runtime, new IPEndPoint(IPAddress.Loopback, 0), message => Console.Error.WriteLine($"  BypassNet server: {message}")));
        }
        catch
        {
            runtime.Dispose();
            throw;
        }
    }

    public RingFigures? ReadRingFigures()
    {
        if (_runtime.Engine != EngineKind.IoUring)
        {
            return null;
        }

        BypassStatistics s = _runtime.GetStatistics();
        return new RingFigures(s.RingEnters, s.RingSubmissions, s.RingCompletions, s.RingWakeups);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync().ConfigureAwait(false);
        _runtime.Dispose();
    }
}
