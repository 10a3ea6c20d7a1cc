using System.Net.Sockets;
using System.Security.Cryptography;
using BypassNet.Tests.Support;

namespace BypassNet.Tests.Sockets;

/// <summary>
/// Old-kernel feature gaps, each forced through <see cref="BypassNetOptions.DisabledFeatures"/>. Optional features
/// (zero-copy send, fixed buffers) degrade inside the io_uring engine, and that path must be correct; the required
/// ones (buffer rings, multishot receive, multishot accept) select the socket engine, with a reason naming the feature,
/// and the same echo must be correct there.
/// </summary>
public sealed class DegradedFeatureTests
{
    public static TheoryData<IoUringFeatures> OptionalGaps => new()
    {
        IoUringFeatures.SendZeroCopy,
        IoUringFeatures.FixedBuffers,
        IoUringFeatures.SendZeroCopy | IoUringFeatures.FixedBuffers | IoUringFeatures.DeferTaskrun,
    };

    public static TheoryData<IoUringFeatures> RequiredGaps => new()
    {
        IoUringFeatures.BufferRings | IoUringFeatures.MultishotReceive,
        IoUringFeatures.BufferRings,
        IoUringFeatures.MultishotReceive,
        IoUringFeatures.MultishotAccept,
        IoUringFeatures.BufferRings | IoUringFeatures.MultishotReceive | IoUringFeatures.MultishotAccept | IoUringFeatures.SendZeroCopy | IoUringFeatures.FixedBuffers,
    };

    [SkippableTheory]
    [MemberData(nameof(OptionalGaps))]
    public async Task Each_degraded_path_echoes_and_accepts_correctly(IoUringFeatures disabled)
    {
        Skip.IfNot(TestEngines.IoUringAvailable, "io_uring is unavailable on this machine");
        using BypassRuntime runtime = TestEngines.Create(EngineKind.IoUring, o =>
        {
            o.DisabledFeatures = disabled;
            o.ZeroCopyThreshold = 4096;
        });
        Assert.Equal(EngineKind.IoUring, runtime.Engine);
        Assert.False(runtime.Capabilities!.Features.HasFlag(disabled));
        await EchoThreeConnectionsAsync(runtime);
    }

    [SkippableTheory]
    [MemberData(nameof(RequiredGaps))]
    public async Task A_missing_required_feature_selects_the_socket_engine_and_names_it(IoUringFeatures disabled)
    {
        Skip.IfNot(TestEngines.IoUringAvailable, "io_uring is unavailable on this machine");
        using BypassRuntime runtime = TestEngines.Create(EngineKind.Auto, o =>
        {
            o.DisabledFeatures = disabled;
            o.ZeroCopyThreshold = 4096;
        });
        Assert.Equal(EngineKind.Socket, runtime.Engine);
        Assert.NotNull(runtime.FallbackReason);
        IoUringFeatures required = disabled & (IoUringFeatures.BufferRings | IoUringFeatures.MultishotReceive | IoUringFeatures.MultishotAccept);
        foreach (IoUringFeatures feature in Enum.GetValues<IoUringFeatures>().Where(f => f != 0 && required.HasFlag(f)))
        {
            Assert.Contains(feature.ToString(), runtime.FallbackReason);
        }

        Assert.Contains("DisabledFeatures", runtime.FallbackReason);
        await EchoThreeConnectionsAsync(runtime);
    }

    private static async Task EchoThreeConnectionsAsync(BypassRuntime runtime)
    {
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
