using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using BypassNet.Compat.Tests.Support;

namespace BypassNet.Compat.Tests.Pipes;

/// <summary>The IDuplexPipe face: zero-copy input, pool-buffer output, Pipe semantics.</summary>
public sealed class BypassDuplexPipeTests : IClassFixture<EngineRuntimes>
{
    private readonly EngineRuntimes _runtimes;

    public BypassDuplexPipeTests(EngineRuntimes runtimes) => _runtimes = runtimes;

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Echo_through_the_pipe_returns_every_byte(EngineKind engine)
    {
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(_runtimes[engine]);
        await using var clientStream = new BypassNetworkStream(client, ownsSocket: true);
        BypassDuplexPipe pipe = server.AsDuplexPipe();
        Task echo = Task.Run(async () =>
        {
            while (true)
            {
                ReadResult result = await pipe.Input.ReadAsync();
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    await pipe.Output.WriteAsync(segment);
                }

                pipe.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await pipe.DisposeAsync();
        });

        byte[] payload = new byte[10 * 1024 * 1024 + 7];
        new Random(3).NextBytes(payload);
        byte[] echoed = new byte[payload.Length];
        Task read = clientStream.ReadExactlyAsync(echoed, Deadline.Token()).AsTask();
        await clientStream.WriteAsync(payload, Deadline.Token());
        await read.WaitAsync(Deadline.Hang);
        client.Shutdown(SocketShutdown.Send);
        await echo.WaitAsync(Deadline.Hang);
        Assert.Equal(payload, echoed);
        Assert.Equal(0, await clientStream.ReadAsync(new byte[1], Deadline.Token()));
    }
}
