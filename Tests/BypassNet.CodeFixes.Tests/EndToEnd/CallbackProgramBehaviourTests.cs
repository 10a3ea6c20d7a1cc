using System.Net;
using System.Net.Sockets;
using BypassNet.CodeFixes.Tests.Migration;
using Xunit.Abstractions;

namespace BypassNet.CodeFixes.Tests.EndToEnd;

/// <summary>
/// The callback-style program (<see cref="CallbackShapedProgram"/>) before and after BYP100's Fix All, compiled and run
/// in this process: stock clients get the same lines from both (pipelined commands, a line split across segments, a
/// peer that resets mid-line, an outbound fetch through BeginConnect, QUIT), the migrated one answers through
/// BypassNet, and closing its listener ends its accept chain.
/// </summary>
public class CallbackProgramBehaviourTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);
    private readonly ITestOutputHelper _output;

    public CallbackProgramBehaviourTests(ITestOutputHelper output) => _output = output;

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task The_migrated_callback_server_answers_stock_clients_the_same_and_stops()
    {
        CompiledProgram.Comparison result = await CompiledProgram.CompareBeforeAndAfterAsync(CallbackShapedProgram.Sources(), "CallbackServer", "CallbackServer.Server", RunAsync);
        _output.WriteLine(string.Join("\n", result.Transcript));
        string server = result.MigratedSources[0];
        Assert.Contains("private static readonly List<BypassSocket> s_sessions = new List<BypassSocket>();", server, StringComparison.Ordinal);
        Assert.Contains("BypassSocket listener = (BypassSocket)ar.AsyncState;", server, StringComparison.Ordinal);
        Assert.Contains("BypassSocket handler = ar.AsyncState as BypassSocket;", server, StringComparison.Ordinal);
        Assert.Contains("var upstream = new BypassSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);", server, StringComparison.Ordinal);
        Assert.Contains("public readonly BypassSocket WorkSocket;", result.MigratedSources[1], StringComparison.Ordinal);
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
            transcript.Add(await second.WaitForCountAsync("2", ct));
            transcript.Add(await first.AskAsync("FETCH " + ((IPEndPoint)upstream.LocalEndpoint).Port, ct));
            transcript.Add(await second.AskAsync("BOGUS", ct));

            // Two lines in one segment, then one line split across two segments.
            await first.SendAsync("ECHO a\nECHO b\n", ct);
            transcript.Add(await first.ReadLineAsync(ct) + "," + await first.ReadLineAsync(ct));
            await first.SendAsync("ECHO spl", ct);
            await Task.Delay(20, ct);
            await first.SendAsync("it\n", ct);
            transcript.Add(await first.ReadLineAsync(ct) ?? "EOF");

            // A peer that resets mid-line: EndReceive reports it, the session is dropped, the others go on.
            using (var rude = await LineClient.ConnectAsync(port, ct))
            {
                transcript.Add(await rude.AskAsync("ECHO rude", ct));
                await rude.SendAsync("ECHO never fin", ct);
                rude.Reset();
            }

            transcript.Add(await second.AskAsync("ECHO still here", ct));
            transcript.Add(await second.WaitForCountAsync("2", ct));

            // QUIT: the reply, then the server closes; the client reads end of stream, and the count drops.
            await first.SendAsync("QUIT\n", ct);
            transcript.Add(await first.ReadLineAsync(ct) ?? "EOF");
            transcript.Add(await first.ReadLineAsync(ct) ?? "EOF");
            transcript.Add(await second.WaitForCountAsync("1", ct));
        }
        finally
        {
            await Task.Run(() => server.GetMethod("Stop")!.Invoke(null, null)).WaitAsync(s_bound);
        }

        await serving.WaitAsync(s_bound);
        return transcript;
    }
}
