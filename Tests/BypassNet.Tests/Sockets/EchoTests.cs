using BypassNet.Tests.Support;

namespace BypassNet.Tests.Sockets;

public sealed class EchoTests
{
    [Theory]
    [MemberData(nameof(TestEngines.Both), MemberType = typeof(TestEngines))]
    public async Task Owned_buffers_echo_byte_for_byte(EngineKind engine)
    {
        using BypassRuntime runtime = TestEngines.Create(engine);
        using BypassSocket listener = TestEngines.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
        using (client)
        using (server)
        {
            Task echo = Task.Run(async () =>
            {
                while (true)
                {
                    OwnedBuffer received = await server.ReceiveAsync();
                    if (received.Length == 0)
                    {
                        received.Dispose();
                        break;
                    }

                    await server.SendAsync(received);
                }

                server.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            });

            var random = new Random(1234);
            foreach (int size in new[] { 1, 100, 4096, 65536, 300_000 })
            {
                byte[] payload = new byte[size];
                random.NextBytes(payload);
                int sent = 0;
                while (sent < size)
                {
                    OwnedBuffer buffer = await runtime.Buffers.RentAsync();
                    int n = Math.Min(buffer.Capacity, size - sent);
                    payload.AsSpan(sent, n).CopyTo(buffer.Span);
                    buffer.Length = n;
                    Assert.Equal(n, await client.SendAsync(buffer));
                    sent += n;
                }

                byte[] echoed = await TestEngines.ReceiveExactlyAsync(client, size);
                Assert.Equal(payload, echoed);
            }

            client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            await echo.WaitAsync(TimeSpan.FromSeconds(30));
            using OwnedBuffer end = await client.ReceiveAsync();
            Assert.Equal(0, end.Length);
        }
    }
}
