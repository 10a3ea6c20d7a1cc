using System.Net;
using System.Net.Sockets;
using System.Text;
using BypassNet.CodeFixes.Tests.Migration;
using BypassNet.CodeFixes.Tests.Verifier;
using Xunit.Abstractions;

namespace BypassNet.CodeFixes.Tests.EndToEnd;

/// <summary>
/// The TcpClient program (<see cref="TcpClientShapedProgram"/>) before and after BYP100's Fix All, compiled and run in
/// this process: stock TcpClients on System.Net.Sockets get the same lines from both (including a pipelined pair, a
/// line split across segments, a reset peer and an outbound fetch), the migrated one answers through BypassNet, and
/// stopping it ends its accept loop.
/// </summary>
public class TcpClientProgramBehaviourTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);
    private readonly ITestOutputHelper _output;

    public TcpClientProgramBehaviourTests(ITestOutputHelper output) => _output = output;

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task The_migrated_TcpClient_server_answers_stock_clients_the_same_and_stops()
    {
        CompiledProgram.Comparison result = await CompiledProgram.CompareBeforeAndAfterAsync(TcpClientShapedProgram.Sources(), "LineServer", "LineServer.Server", RunAsync);
        _output.WriteLine(string.Join("\n", result.Transcript));
        string[] migratedSources = result.MigratedSources;
        Assert.Contains("private static readonly List<BypassTcpClient> s_clients = new();", migratedSources[0], StringComparison.Ordinal);
        Assert.Contains("var listener = new BypassTcpListener(IPAddress.Loopback, 0);", migratedSources[0], StringComparison.Ordinal);
        Assert.Contains("BypassNetworkStream stream = _client.GetStream();", migratedSources[1], StringComparison.Ordinal);
        Assert.Contains("using var upstream = new BypassTcpClient();", migratedSources[1], StringComparison.Ordinal);
        Assert.Contains("fetched: upstream says hi", result.Transcript);
    }

    private static async Task<List<string>> RunAsync(Type server)
    {
        using var timeout = new CancellationTokenSource(s_bound);
        CancellationToken ct = timeout.Token;
        using var upstream = new TcpListener(IPAddress.Loopback, 0);
        upstream.Start();
        Task serving = LineClient.ServeOneLineAsync(upstream, "upstream says hi", ct);

        int port = (int)server.GetMethod("Start")!.Invoke(null, null)!;
        var transcript = new List<string>();
        try
        {
            using var first = await LineClient.ConnectAsync(port, ct);
            using var second = await LineClient.ConnectAsync(port, ct);
            transcript.Add(await first.AskAsync("ECHO hello", ct));
            transcript.Add(await second.AskAsync("COUNT", ct));
            transcript.Add(await first.AskAsync("FETCH " + ((IPEndPoint)upstream.LocalEndpoint).Port, ct));
            transcript.Add(await second.AskAsync("BOGUS", ct));

            // Two lines in one segment, then one line split across two segments.
            await first.SendAsync("ECHO a\nECHO b\n", ct);
            transcript.Add(await first.ReadLineAsync(ct) + "," + await first.ReadLineAsync(ct));
            await first.SendAsync("ECHO spl", ct);
            await Task.Delay(20, ct);
            await first.SendAsync("it\n", ct);
            transcript.Add(await first.ReadLineAsync(ct) ?? "EOF");

            // A peer that resets mid-line must not take the server down or stall the others.
            using (var rude = await LineClient.ConnectAsync(port, ct))
            {
                transcript.Add(await rude.AskAsync("COUNT", ct));
                await rude.SendAsync("ECHO never fin", ct);
                rude.Reset();
            }

            transcript.Add(await second.AskAsync("ECHO still here", ct));

            // QUIT: the server closes; the client reads end of stream, and the count drops.
            await first.SendAsync("QUIT\n", ct);
            transcript.Add(await first.ReadLineAsync(ct) ?? "EOF");
            transcript.Add(await second.WaitForCountAsync("1", ct));
        }
        finally
        {
            // Stop() closes the listener; the accept loop it awaits must end.
            await Task.Run(() => server.GetMethod("Stop")!.Invoke(null, null)).WaitAsync(s_bound);
        }

        await serving.WaitAsync(s_bound);
        return transcript;
    }
}
