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
    private readonly ITestOutputHelper _output;

    public TcpClientProgramBehaviourTests(ITestOutputHelper output) => _output = output;

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task The_migrated_TcpClient_server_answers_stock_clients_the_same_and_stops()
    {
        CompiledProgram.Comparison result = await CompiledProgram.CompareBeforeAndAfterAsync(TcpClientShapedProgram.Sources(), "LineServer", "LineServer.Server", LineProtocolScript.RunAsync);
        _output.WriteLine(string.Join("\n", result.Transcript));
        string[] migratedSources = result.MigratedSources;
        Assert.Contains("private static readonly List<BypassTcpClient> s_clients = new();", migratedSources[0], StringComparison.Ordinal);
        Assert.Contains("var listener = new BypassTcpListener(IPAddress.Loopback, 0);", migratedSources[0], StringComparison.Ordinal);
        Assert.Contains("BypassNetworkStream stream = _client.GetStream();", migratedSources[1], StringComparison.Ordinal);
        Assert.Contains("using var upstream = new BypassTcpClient();", migratedSources[1], StringComparison.Ordinal);
        Assert.Contains("fetched: upstream says hi", result.Transcript);
    }
}
