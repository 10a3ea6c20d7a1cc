using System.Net.Sockets;
using System.Security.Cryptography;
using BypassNet.Tests.Support;

namespace BypassNet.Tests.Sockets;

/// <summary>
/// Old-kernel gaps in optional features, each forced through <see cref="BypassNetOptions.DisabledFeatures"/>: the
/// degraded path must be correct. (Missing required features fall back to sockets: FaultTests/KernelPolicyTests.)
/// </summary>
public sealed class DegradedFeatureTests
{
    public static TheoryData<IoUringFeatures> Gaps => new()
    {
        IoUringFeatures.SendZeroCopy,
        IoUringFeatures.FixedBuffers,
        IoUringFeatures.SendZeroCopy | IoUringFeatures.FixedBuffers | IoUringFeatures.DeferTaskrun,
    };

    [SkippableTheory]
    [MemberData(nameof(Gaps))]
    public async Task Each_degraded_path_echoes_and_accepts_correctly(IoUringFeatures disabled)
    {
        Skip.IfNot(TestEngines.IoUringAvailable, "io_uring is unavailable on this machine");
        using BypassRuntime runtime = TestEngines.Create(EngineKind.IoUring, o =>
        {
            o.DisabledFeatures = disabled;
            o.ZeroCopyThreshold = 4096;
        });
        Assert.False(runtime.Capabilities!.Features.HasFlag(disabled));
        using BypassSocket listener = TestEngines.Listen(runtime);
        for (int connection = 0; connection < 3; connection++)
        {
            (BypassSocket client, BypassSocket server) = await TestEngines.ConnectPairAsync(runtime, listener);
            await using (client)
            await using (server)
            {
                Task echo = SocketBehaviourTests.EchoUntilClosedAsync(server);
                byte[] payload = RandomNumberGenerator.GetBytes(300_000);
                Task<byte[]> reading = TestEngines.ReceiveExactlyAsync(client, payload.Length);
                await SocketBehaviourTests.SendOwnedAsync(runtime, client, payload);
                Assert.Equal(payload, await reading.WaitAsync(TimeSpan.FromSeconds(60)));

                byte[] small = RandomNumberGenerator.GetBytes(1000);
                await client.SendAsync(small.AsMemory(), SocketFlags.None);
                byte[] back = new byte[small.Length];
                int filled = 0;
                while (filled < back.Length)
                {
                    filled += await client.ReceiveAsync(back.AsMemory(filled), SocketFlags.None);
                }

                Assert.Equal(small, back);
                client.Shutdown(SocketShutdown.Send);
                await echo.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
    }
}
