using System.Net;
using BypassNet.Samples.Resp;

namespace BypassNet.RespServer.Tests.Support;

/// <summary>Starts sample servers for tests: every server test runs on both engines, on a free loopback port.</summary>
public static class TestServers
{
    /// <summary>xunit member data: both engine kinds.</summary>
    public static TheoryData<EngineKind> Both => new() { EngineKind.IoUring, EngineKind.Socket };

    public static Samples.Resp.RespServer Start(EngineKind engine, Action<RespServerOptions>? configure = null)
    {
        var options = new RespServerOptions { Engine = engine, Port = 0, Address = IPAddress.Loopback };
        configure?.Invoke(options);
        Samples.Resp.RespServer server = Samples.Resp.RespServer.Start(options);
        if (engine == EngineKind.IoUring && BypassNet.Testing.IoUringAvailability.Available)
        {
            // On a machine with io_uring, an io_uring test that silently ran on sockets would prove nothing.
            Assert.Equal(EngineKind.IoUring, server.Engine);
        }

        return server;
    }

    public static Task<RespTestClient> ConnectAsync(Samples.Resp.RespServer server) => RespTestClient.ConnectAsync(server.EndPoint);
}
