using BypassNet.CodeFixes.Tests.Verifier;
using Microsoft.CodeAnalysis;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.Migration.SocketMigrationAnalyzer,
    BypassNet.CodeFixes.Migration.SocketMigrationCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.Migration;

/// <summary>BYP102: on each place that keeps a socket group on System.Net.Sockets, naming why; silent where nothing could move.</summary>
public class BYP102_BlockedGroupTests
{
    private const string Id = "BYP102";

    private static string Program(string body) => $$"""
        using System;
        using System.Net;
        using System.Net.Sockets;
        using System.Threading.Tasks;

        class C
        {
            static async Task M(SocketType socketType)
            {
                {{body}}
                await Task.Yield();
            }
        }
        """;

    [Fact]
    public async Task A_socket_that_begins_a_disconnect_is_reported_with_the_API_and_its_corrected_twin_migrates()
    {
        var diagnostics = await Verify.VerifyDiagnosticsAsync(Id, TestProject.From(Program(
            "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); await s.ConnectAsync(IPAddress.Loopback, 6379); var pending = [|s|].BeginDisconnect(false, null, null); pending.AsyncWaitHandle.WaitOne();")));
        string message = Assert.Single(diagnostics).GetMessage();
        Assert.Contains("BypassSocket has no System.Net.Sockets.Socket.BeginDisconnect(", message, StringComparison.Ordinal);
        Assert.Contains("the socket created at Test0.cs:10", message, StringComparison.Ordinal);

        // The twin shuts down and closes (BypassSocket has the other Begin/End pairs, but no Disconnect): BYP100 instead.
        var twin = TestProject.From(Program(
            "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); await s.ConnectAsync(IPAddress.Loopback, 6379); var pending = s.BeginSend(new byte[1], 0, 1, SocketFlags.None, null, null); s.EndSend(pending); s.Shutdown(SocketShutdown.Both); s.Close();"));
        await Verify.VerifyNoDiagnosticAsync(Id, twin);
        await Verify.FixAllAndCompileAsync("BYP100", twin);
    }

    [Fact]
    public async Task Every_blocking_place_of_a_group_is_reported()
    {
        var diagnostics = await Verify.VerifyDiagnosticsAsync(Id, TestProject.From(Program(
            "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); Console.WriteLine([|s|]); var text = [|s|].ToString(); [|s|].Blocking = false;")));
        Assert.All(diagnostics, d => Assert.Contains("the socket created at Test0.cs:10", d.GetMessage()));
        Assert.Contains(diagnostics, d => d.GetMessage().Contains("converted to object", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.GetMessage().Contains("ToString() returns something else", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.GetMessage().Contains("BypassSocket has no System.Net.Sockets.Socket.Blocking", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_socket_type_that_is_not_a_constant_is_reported()
    {
        var diagnostics = await Verify.VerifyDiagnosticsAsync(Id, TestProject.From(Program(
            "var s = [|new Socket(AddressFamily.InterNetwork, socketType, ProtocolType.Tcp)|]; s.Dispose();")));
        Assert.Contains("as constants", Assert.Single(diagnostics).GetMessage());
    }

    public static TheoryData<string, string> Silent => new()
    {
        { "UDP: nothing to migrate", "var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp); Console.WriteLine(s);" },
        { "a group that migrates", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); s.NoDelay = true;" },
    };

    [Theory]
    [MemberData(nameof(Silent))]
    public async Task Not_reported(string why, string body)
    {
        Assert.NotNull(why);
        await Verify.VerifyNoDiagnosticAsync(Id, TestProject.From(Program(body)));
    }

    [Fact]
    public async Task Configured_off_or_raised_to_warning_in_editorconfig()
    {
        const string body = "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); var text = s.ToString();";
        var none = TestProject.From(Program(body));
        none.EditorConfig = "root = true\n\n[*.cs]\ndotnet_diagnostic.BYP102.severity = none\n";
        await Verify.VerifyNoDiagnosticAsync(Id, none);

        var warning = TestProject.From(Program(body));
        warning.EditorConfig = "root = true\n\n[*.cs]\ndotnet_diagnostic.BYP102.severity = warning\n";
        using var workspace2 = new AdhocWorkspace();
        var diagnostics = (await Verify.GetDiagnosticsAsync(warning.Build(workspace2))).Where(d => d.Id == Id).ToList();
        Assert.NotEmpty(diagnostics);
        Assert.All(diagnostics, d => Assert.Equal(DiagnosticSeverity.Warning, d.Severity));
    }

    [Fact]
    public async Task Not_reported_for_a_group_kept_back_on_purpose_by_a_file_configured_off()
    {
        // The group could move, but one of its files keeps BYP100 off: that is a choice, not a blocker.
        var project = TestProject.From(
            """
            using System.Net.Sockets;

            class Server
            {
                private readonly Socket _listener = new Socket(SocketType.Stream, ProtocolType.Tcp);

                void Start() => Legacy.Configure(_listener);
            }
            """,
            """
            using System.Net.Sockets;

            static class Legacy
            {
                public static void Configure(Socket s) => s.NoDelay = true;
            }
            """);
        project.EditorConfig = "root = true\n\n[Test1.cs]\ndotnet_diagnostic.BYP100.severity = none\n";
        await Verify.VerifyNoDiagnosticAsync(Id, project);
        await Verify.VerifyNoDiagnosticAsync("BYP100", project);
    }

    [Fact]
    public async Task A_reason_names_a_client_a_client_and_its_twin_migrates()
    {
        var diagnostics = await Verify.VerifyDiagnosticsAsync(Id, TestProject.From(Program(
            "var tcp = new TcpClient(); await tcp.ConnectAsync(IPAddress.Loopback, 6379); Console.WriteLine([|tcp|]);")));
        string message = Assert.Single(diagnostics).GetMessage();
        Assert.Contains("leaves the client created at", message, StringComparison.Ordinal);
        Assert.Contains(": the client is converted to object", message, StringComparison.Ordinal);

        // The twin logs the endpoint instead.
        var twin = TestProject.From(Program(
            "var tcp = new TcpClient(); await tcp.ConnectAsync(IPAddress.Loopback, 6379); Console.WriteLine(tcp.Client.RemoteEndPoint);"));
        await Verify.VerifyNoDiagnosticAsync(Id, twin);
        await Verify.FixAllAndCompileAsync("BYP100", twin);
    }
}
