using System.Net;
using System.Net.Sockets;
using BypassNet.Compat.Tests.Support;
using Microsoft.Extensions.Logging;

namespace BypassNet.Compat.Tests.Kestrel;

/// <summary>Servers these tests start and stop themselves: graceful shutdown and the socket-engine fallback.</summary>
public sealed class KestrelLifecycleTests
{
    [Fact]
    public async Task Graceful_shutdown_finishes_the_request_in_flight_and_stops_accepting()
    {
        var host = new KestrelHost();
        await host.InitializeAsync();
        try
        {
            using HttpClient client = host.CreateClient();
            Task<string> slow = client.GetStringAsync("/slow");
            await host.SlowStarted.Task.WaitAsync(Deadline.Hang);

            Task stopping = host.App.StopAsync();

            // Unbinding comes first: once it has, nobody can connect any more.
            await WaitUntilRefusedAsync(host.BaseAddress.Port);
            Assert.False(stopping.IsCompleted, "the server must wait for the request in flight");

            host.SlowGate.TrySetResult();
            Assert.Equal("finished after shutdown began", await slow.WaitAsync(Deadline.Hang));
            await stopping.WaitAsync(Deadline.Hang);
        }
        finally
        {
            host.SlowGate.TrySetResult();
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_socket_engine_serves_the_same_app_and_the_fallback_is_logged()
    {
        var host = KestrelHost.On(EngineKind.Socket);
        await host.InitializeAsync();
        try
        {
            Assert.Equal(EngineKind.Socket, host.Runtime.Engine);
            using HttpClient client = host.CreateClient();
            Assert.Equal("Hello, World!", await client.GetStringAsync("/hello"));
            byte[] payload = KestrelHost.Pattern(1_000_000);
            using var content = new ByteArrayContent(payload);
            using HttpResponseMessage echoed = await client.PostAsync("/echo", content);
            Assert.Equal(payload, await echoed.Content.ReadAsByteArrayAsync());
            Assert.Contains(host.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("socket engine", StringComparison.Ordinal));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Inline_continuations_on_the_rings_serve_the_same_app()
    {
        // The benchmark's mode: Kestrel runs on the ring threads. Same answers, including concurrency and large bodies.
        var host = KestrelHost.On(EngineKind.IoUring, inlineContinuations: true);
        await host.InitializeAsync();
        try
        {
            using HttpClient client = host.CreateClient();
            string[] hellos = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => client.GetStringAsync("/hello"))).WaitAsync(Deadline.Hang);
            Assert.All(hellos, h => Assert.Equal("Hello, World!", h));
            byte[] payload = KestrelHost.Pattern(3_000_000);
            using var content = new ByteArrayContent(payload);
            using HttpResponseMessage echoed = await client.PostAsync("/echo", content);
            Assert.Equal(payload, await echoed.Content.ReadAsByteArrayAsync());
            Assert.Equal(KestrelHost.Pattern(5_000_000), await client.GetByteArrayAsync("/big?size=5000000"));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private static async Task WaitUntilRefusedAsync(int port)
    {
        using var deadline = new CancellationTokenSource(Deadline.Hang);
        while (true)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), deadline.Token);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                // The probe reached the accept queue just as the listener closed: try again until refused.
            }

            await Task.Delay(20, deadline.Token);
        }
    }
}
