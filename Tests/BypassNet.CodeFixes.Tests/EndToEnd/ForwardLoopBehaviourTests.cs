using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.Loader;
using BypassNet.CodeFixes.Tests.Verifier;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.Migration.CopyingSocketCallAnalyzer,
    BypassNet.CodeFixes.Migration.CopyingSocketCallCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.EndToEnd;

/// <summary>
/// The BYP101 fix on the two common forwarding loops, run for real: a pump between two loopback connections forwards
/// every byte in order before and after the fix, reports the same total and stops at the sender's end of stream. The
/// runtime gets a receive ring of 16 buffers of 4 KiB, and the payload is several times that: the fixed pump only gets
/// through if every chunk it receives goes back to the ring through its send.
/// </summary>
public class ForwardLoopBehaviourTests
{
    private const string Source = """
        using System;
        using System.Net.Sockets;
        using System.Threading;
        using System.Threading.Tasks;
        using BypassNet;

        public static class Pumps
        {
            public static async Task<long> CountingAsync(BypassSocket client, BypassSocket upstream)
            {
                long total = 0;
                byte[] buffer = new byte[8192];
                while (true)
                {
                    int read = await client.ReceiveAsync(buffer, SocketFlags.None);
                    if (read == 0)
                        break;
                    total += read;
                    await upstream.SendAsync(new ArraySegment<byte>(buffer, 0, read), SocketFlags.None);
                }

                return total;
            }

            public static async Task<long> WhileAsync(BypassSocket from, BypassSocket to)
            {
                var buffer = new byte[4096];
                int read;
                while ((read = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, CancellationToken.None)) > 0)
                {
                    await to.SendAsync(buffer[..read], SocketFlags.None, CancellationToken.None);
                }

                return -1;
            }
        }
        """;

    [Theory]
    [Trait("Category", "EndToEnd")]
    [InlineData("CountingAsync")]
    [InlineData("WhileAsync")]
    public async Task The_fixed_forwarding_loop_moves_the_same_bytes_and_gives_every_chunk_back_to_the_ring(string pump)
    {
        string[] fixedSources = await Verify.FixAllAndCompileAsync("BYP101", TestProject.From(Source), FixAllScope.Document);
        Assert.Contains("OwnedBuffer chunk = await", fixedSources[0]);
        Assert.DoesNotContain("byte[] buffer", fixedSources[0]);

        byte[] payload = new byte[300_000];
        new Random(16).NextBytes(payload);
        (byte[] before, long totalBefore) = await RunAsync(await LoadAsync(Source, "before"), pump, payload);
        (byte[] after, long totalAfter) = await RunAsync(await LoadAsync(fixedSources[0], "after"), pump, payload);

        Assert.Equal(payload, before);
        Assert.Equal(payload, after);
        Assert.Equal(totalBefore, totalAfter);
    }

    private static async Task<MethodInfo[]> LoadAsync(string source, string name) =>
        (await CompiledProgram.LoadAsync(TestProject.From(source), "Pumps." + name)).GetType("Pumps", throwOnError: true)!
            .GetMethods(BindingFlags.Public | BindingFlags.Static);

    /// <summary>client → [pump: from → to] → reader, all on loopback, with a runtime of its own and a small receive ring.</summary>
    private static async Task<(byte[] Received, long Total)> RunAsync(MethodInfo[] pumps, string name, byte[] payload)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        CancellationToken ct = timeout.Token;
        using BypassRuntime runtime = BypassRuntime.Create(new BypassNetOptions { RingCount = 1, ReceiveBufferSize = 4096, ReceiveBuffersPerRing = 16 });
        using var listener = new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;

        using var writer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await writer.ConnectAsync(endPoint, ct);
        using BypassSocket from = await listener.AcceptAsync(ct);
        using var reader = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await reader.ConnectAsync(endPoint, ct);
        using BypassSocket to = await listener.AcceptAsync(ct);

        var pump = (Task<long>)pumps.Single(m => m.Name == name).Invoke(null, new object[] { from, to })!;
        Task write = Task.Run(async () =>
        {
            for (int offset = 0; offset < payload.Length; offset += 1000)
            {
                await writer.SendAsync(payload.AsMemory(offset, Math.Min(1000, payload.Length - offset)), SocketFlags.None, ct);
            }

            writer.Shutdown(SocketShutdown.Send);
        }, ct);

        var received = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (received.Length < payload.Length)
        {
            int n = await reader.ReceiveAsync(chunk, SocketFlags.None, ct);
            Assert.True(n > 0, $"the pump's target closed after {received.Length} bytes");
            received.Write(chunk, 0, n);
        }

        await write;
        long total = await pump.WaitAsync(ct);
        return (received.ToArray(), total);
    }
}
