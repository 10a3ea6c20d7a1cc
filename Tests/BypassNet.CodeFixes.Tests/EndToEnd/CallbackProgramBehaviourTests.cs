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
    private readonly ITestOutputHelper _output;

    public CallbackProgramBehaviourTests(ITestOutputHelper output) => _output = output;

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task The_migrated_callback_server_answers_stock_clients_the_same_and_stops()
    {
        CompiledProgram.Comparison result = await CompiledProgram.CompareBeforeAndAfterAsync(CallbackShapedProgram.Sources(), "CallbackServer", "CallbackServer.Server", LineProtocolScript.RunAsync);
        _output.WriteLine(string.Join("\n", result.Transcript));
        string server = result.MigratedSources[0];
        Assert.Contains("private static readonly List<BypassSocket> s_sessions = new List<BypassSocket>();", server, StringComparison.Ordinal);
        Assert.Contains("BypassSocket listener = (BypassSocket)ar.AsyncState;", server, StringComparison.Ordinal);
        Assert.Contains("BypassSocket handler = ar.AsyncState as BypassSocket;", server, StringComparison.Ordinal);
        Assert.Contains("var upstream = new BypassSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);", server, StringComparison.Ordinal);
        Assert.Contains("public readonly BypassSocket WorkSocket;", result.MigratedSources[1], StringComparison.Ordinal);
        Assert.Contains("fetched: upstream says hi", result.Transcript);
    }
}
