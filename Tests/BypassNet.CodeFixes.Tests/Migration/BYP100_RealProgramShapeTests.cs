using BypassNet.CodeFixes.Tests.Verifier;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Xunit.Abstractions;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.Migration.SocketMigrationAnalyzer,
    BypassNet.CodeFixes.Migration.SocketMigrationCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.Migration;

/// <summary>
/// BYP100 on program shapes taken from real socket servers (a Redis clone's command interface, Socket-keyed
/// dictionaries, a replica link): the whole program migrates and compiles, and where one construct blocks, BYP102 says
/// which and where.
/// </summary>
public class BYP100_RealProgramShapeTests
{
    private readonly ITestOutputHelper _output;

    public BYP100_RealProgramShapeTests(ITestOutputHelper output) => _output = output;

    internal static TestProject Project(string extraCommand = "")
    {
        var project = new TestProject();
        project.Sources.AddRange(RedisShapedProgram.Sources(extraCommand));
        return project;
    }

    /// <summary>Socket as a type name (not SocketType, SocketFlags, SocketException, ...).</summary>
    private static readonly System.Text.RegularExpressions.Regex s_socketName = new(@"(?<![\w.])Socket(?![\w(])|\bSocket\?");

    [Fact]
    public async Task The_original_program_compiles()
    {
        using var workspace = new AdhocWorkspace();
        Compilation compilation = (await Project().Build(workspace).GetCompilationAsync())!;
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public async Task A_command_interface_with_a_dozen_implementations_and_Socket_keyed_dictionaries_migrates_as_one_group()
    {
        TestProject project = Project();
        using (var workspace = new AdhocWorkspace())
        {
            var all = await Verify.GetDiagnosticsAsync(project.Build(workspace));
            Assert.DoesNotContain(all, d => d.Id == "BYP102");

            // Reported on every implementation of ICommand.Handle and CommandBase's overrides, each in its own file.
            var files = all.Where(d => d.Id == "BYP100").Select(d => Path.GetFileName(d.Location.SourceTree!.FilePath)).Distinct().ToList();
            Assert.True(files.Count(f => f.EndsWith("Command.cs", StringComparison.Ordinal)) >= 13, string.Join(", ", files));
            Assert.Contains("ReplicaSet.cs", files);
            Assert.Contains("ChannelHub.cs", files);
        }

        // One Fix All rewrites all files; the verifier compiles the result against the real BypassNet.dll, with no new warnings.
        string[] fixedSources = await Verify.FixAllAndCompileAsync("BYP100", project, FixAllScope.Solution);
        for (int i = 0; i < fixedSources.Length; i++)
        {
            string name = project.Sources[i].Name;
            Assert.False(s_socketName.IsMatch(fixedSources[i]), $"{name} still names Socket:\n{fixedSources[i]}");
        }

        string Source(string name) => fixedSources[project.Sources.FindIndex(s => s.Name == name)];
        Assert.Contains("Task Handle(BypassSocket connection, string[] args);", Source("ICommand.cs"));
        Assert.Contains("public override Task Handle(BypassSocket connection, string[] args)", Source("EchoCommand.cs"));
        Assert.Contains("ConcurrentDictionary<BypassSocket, ClientState> Clients", Source("Server.cs"));
        Assert.Contains("private record Session(BypassSocket Connection, DateTime Since);", Source("Server.cs"));
        Assert.Contains("ConcurrentDictionary<string, ConcurrentDictionary<BypassSocket, byte>>", Source("ChannelHub.cs"));
        Assert.Contains("_ => new ConcurrentDictionary<BypassSocket, byte>()", Source("ChannelHub.cs"));
        Assert.Contains("public static async Task<BypassSocket> ConnectToPrimaryAsync(EndPoint primary)", Source("ReplicaSet.cs"));
        Assert.Contains("targets = new BypassSocket[_replicas.Count];", Source("ReplicaSet.cs"));
        Assert.Contains("foreach (BypassSocket replica in targets)", Source("ReplicaSet.cs"));
    }

    public static TheoryData<string, string, string> Blockers => new()
    {
        {
            "Extension",
            "return SocketTaskExtensions.SendAsync(connection, new System.ArraySegment<byte>(new byte[] { 1 }), SocketFlags.None);",
            "the socket is passed to System.Net.Sockets.SocketTaskExtensions.SendAsync(System.Net.Sockets.Socket, System.ArraySegment<byte>, System.Net.Sockets.SocketFlags), which needs a Socket"
        },
        {
            "Poll",
            "return connection.Poll(0, SelectMode.SelectRead) ? connection.SendLineAsync(\"1\") : Task.CompletedTask;",
            "BypassSocket has no System.Net.Sockets.Socket.Poll(int, System.Net.Sockets.SelectMode)"
        },
        {
            "ToString",
            "return connection.SendLineAsync(connection.ToString()!);",
            "ToString() returns something else for a BypassSocket"
        },
    };

    [Theory]
    [MemberData(nameof(Blockers))]
    public async Task One_blocking_use_keeps_the_group_and_BYP102_names_it(string what, string body, string reason)
    {
        string extra = $$"""
            using System.Net.Sockets;
            using System.Threading.Tasks;

            namespace MiniRedis;

            sealed class {{what}}Command : ICommand
            {
                public string Name => "{{what.ToUpperInvariant()}}";

                public Task Handle(Socket connection, string[] args)
                {
                    {{body}}
                }
            }
            """;
        using var workspace = new AdhocWorkspace();
        var all = await Verify.GetDiagnosticsAsync(Project(extra).Build(workspace));
        Assert.DoesNotContain(all, d => d.Id == "BYP100");
        Diagnostic blocked = Assert.Single(all, d => d.Id == "BYP102");
        Assert.Equal("ExtraCommand.cs", Path.GetFileName(blocked.Location.SourceTree!.FilePath));
        Assert.Equal("connection", blocked.Location.SourceTree.GetText().ToString(blocked.Location.SourceSpan));
        string message = blocked.GetMessage();
        _output.WriteLine(message);
        Assert.Contains(reason, message);
        Assert.Contains("ReplicaSet.cs:", message);
    }
}
