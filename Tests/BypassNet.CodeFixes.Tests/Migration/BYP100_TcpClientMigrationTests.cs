using BypassNet.CodeFixes.Tests.Verifier;
using Microsoft.CodeAnalysis;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.Migration.SocketMigrationAnalyzer,
    BypassNet.CodeFixes.Migration.SocketMigrationCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.Migration;

/// <summary>
/// BYP100 on TcpClient programs: a client, its socket (<c>Client</c>) and its stream (<c>GetStream()</c>) move
/// together to BypassTcpClient, BypassSocket and BypassNetworkStream, and a listener's <c>AcceptTcpClient</c> takes
/// the listener with them. What BypassTcpClient lacks keeps the group, and BYP102 says so, with the corrected twin.
/// </summary>
public class BYP100_TcpClientMigrationTests
{
    private const string Id = "BYP100";

    private static string Program(string body) => $$"""
        using System;
        using System.IO;
        using System.Net;
        using System.Net.Sockets;
        using System.Threading.Tasks;

        class C
        {
            static async Task M()
            {
                {{body}}
                await Task.Yield();
            }
        }
        """;

    [Fact]
    public async Task A_connecting_client_its_stream_and_its_socket_move_together()
    {
        var project = TestProject.From(Program(
            "using var tcp = new TcpClient(); await tcp.ConnectAsync(IPAddress.Loopback, 6379); tcp.NoDelay = true; tcp.ReceiveTimeout = 1000; "
            + "NetworkStream stream = tcp.GetStream(); Socket raw = tcp.Client; await stream.WriteAsync(new byte[1]); "
            + "using var tls = new System.Net.Security.SslStream(tcp.GetStream()); Console.WriteLine(raw.RemoteEndPoint);"));
        string text = Assert.Single(await Verify.FixAllAndCompileAsync(Id, project, unreported: "BYP102"));
        Assert.Contains("using var tcp = new BypassTcpClient();", text, StringComparison.Ordinal);
        Assert.Contains("BypassNetworkStream stream = tcp.GetStream();", text, StringComparison.Ordinal);
        Assert.Contains("BypassSocket raw = tcp.Client;", text, StringComparison.Ordinal);
        Assert.Contains("new System.Net.Security.SslStream(tcp.GetStream())", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_client_is_reported_where_it_is_declared_and_created()
    {
        await Verify.VerifyDiagnosticsAsync(Id, TestProject.From(Program(
            "using [|TcpClient|] tcp = [|new TcpClient(\"localhost\", 6379)|]; var [|stream|] = tcp.GetStream(); stream.WriteByte(1);")));
    }

    [Fact]
    public async Task A_declaration_that_carries_a_socket_is_named_by_the_type_it_swaps_not_by_its_spelling()
    {
        // TcpClientInfo is the program's own type: the message names the Socket inside the dictionary type.
        using var workspace = new AdhocWorkspace();
        var project = TestProject.From(Program(
            "var map = new System.Collections.Generic.Dictionary<TcpClientInfo, Socket>(); map[new TcpClientInfo()] = new Socket(SocketType.Stream, ProtocolType.Tcp); map.Clear(); } sealed class TcpClientInfo { } static async Task N() {"));
        var diagnostics = await Verify.GetDiagnosticsAsync(project.Build(workspace));
        Assert.Contains(diagnostics, d => d.Id == Id
            && d.GetMessage() == "The Socket in the type of 'map' can be a BypassNet.BypassSocket instead of a System.Net.Sockets.Socket");
        await Verify.FixAllAndCompileAsync(Id, project);
    }

    [Fact]
    public async Task An_accept_loop_of_TcpClients_handed_to_a_handler_moves_the_listener_too()
    {
        string[] fixedSources = await Verify.FixAllAndCompileAsync(Id, TestProject.From("""
            using System.Collections.Generic;
            using System.IO;
            using System.Net;
            using System.Net.Sockets;
            using System.Threading.Tasks;

            sealed class LineEchoServer
            {
                private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
                private readonly List<TcpClient> _clients = new();

                public async Task RunAsync()
                {
                    _listener.Start();
                    while (true)
                    {
                        TcpClient client = await _listener.AcceptTcpClientAsync();
                        lock (_clients)
                        {
                            _clients.Add(client);
                        }

                        _ = HandleAsync(client);
                    }
                }

                private static async Task HandleAsync(TcpClient client)
                {
                    using (client)
                    {
                        NetworkStream stream = client.GetStream();
                        using var reader = new StreamReader(stream);
                        using var writer = new StreamWriter(stream) { AutoFlush = true };
                        string? line;
                        while ((line = await reader.ReadLineAsync()) != null)
                        {
                            await writer.WriteLineAsync(line);
                        }
                    }
                }

                public void Stop()
                {
                    _listener.Stop();
                    using TcpClient blocking = _listener.AcceptTcpClient();
                }
            }
            """));
        string text = Assert.Single(fixedSources);
        Assert.Contains("private readonly BypassTcpListener _listener = new(IPAddress.Loopback, 0);", text, StringComparison.Ordinal);
        Assert.Contains("private readonly List<BypassTcpClient> _clients = new();", text, StringComparison.Ordinal);
        Assert.Contains("BypassTcpClient client = await _listener.AcceptTcpClientAsync();", text, StringComparison.Ordinal);
        Assert.Contains("private static async Task HandleAsync(BypassTcpClient client)", text, StringComparison.Ordinal);
        Assert.Contains("BypassNetworkStream stream = client.GetStream();", text, StringComparison.Ordinal);
        Assert.Contains("using BypassTcpClient blocking = _listener.AcceptTcpClient();", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_kept_in_a_model_compared_null_checked_and_closed_through_conditional_access_migrates()
    {
        // The shapes of a chat server's bookkeeping: clients held by a model class, found by reference, closed defensively.
        string text = Assert.Single(await Verify.FixAllAndCompileAsync(Id, TestProject.From("""
            using System.Collections.Generic;
            using System.Linq;
            using System.Net.Sockets;

            sealed class ConnectedClient
            {
                public TcpClient? Client { get; set; }
                public string Name { get; set; } = "";
            }

            static class Registry
            {
                private static readonly List<ConnectedClient> s_connected = new();

                public static void Add(TcpClient client, string name) => s_connected.Add(new ConnectedClient { Client = client, Name = name });

                public static TcpClient Join(string host, int port)
                {
                    var client = new TcpClient();
                    client.Connect(host, port);
                    Add(client, host);
                    return client;
                }

                public static void Remove(TcpClient client)
                {
                    ConnectedClient? found = s_connected.FirstOrDefault(c => c.Client == client);
                    int index = s_connected.FindIndex(c => c.Client == client);
                    if (found is null || index < 0)
                    {
                        return;
                    }

                    s_connected.RemoveAt(index);
                    if (client != null && client.Client != null && client.Connected)
                    {
                        client.GetStream()?.Close();
                        client.Close();
                    }
                }
            }
            """)));
        Assert.Contains("public BypassTcpClient? Client { get; set; }", text, StringComparison.Ordinal);
        Assert.Contains("public static void Add(BypassTcpClient client, string name)", text, StringComparison.Ordinal);
        Assert.Contains("public static void Remove(BypassTcpClient client)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_whose_socket_is_polled_keeps_the_group_and_its_twin_migrates()
    {
        // Poll is on the socket, but the socket is the client's: the client (and its stream) stay with it.
        var diagnostics = await Verify.VerifyDiagnosticsAsync("BYP102", TestProject.From(Program(
            "using var tcp = new TcpClient(); await tcp.ConnectAsync(IPAddress.Loopback, 6379); bool readable = [|tcp.Client|].Poll(0, SelectMode.SelectRead); await tcp.GetStream().WriteAsync(new byte[1]);")));
        string message = Assert.Single(diagnostics).GetMessage();
        Assert.Contains("BypassSocket has no System.Net.Sockets.Socket.Poll(", message, StringComparison.Ordinal);
        Assert.Contains("the client created at", message, StringComparison.Ordinal);

        var twin = TestProject.From(Program(
            "using var tcp = new TcpClient(); await tcp.ConnectAsync(IPAddress.Loopback, 6379); bool readable = tcp.Available > 0; await tcp.GetStream().WriteAsync(new byte[1]);"));
        await Verify.FixAllAndCompileAsync(Id, twin, unreported: "BYP102");
    }

    [Fact]
    public async Task A_client_of_a_class_derived_from_TcpClient_is_not_reported()
    {
        // BypassTcpClient is sealed: the program's own subclass, and what it hands out, stay on System.Net.Sockets.
        var project = TestProject.From("""
            using System.Net;
            using System.Net.Sockets;
            using System.Threading.Tasks;

            sealed class Keeping : TcpClient
            {
                public bool IsActive => Active;
            }

            static class C
            {
                static async Task M()
                {
                    using var tcp = new Keeping();
                    await tcp.ConnectAsync(IPAddress.Loopback, 6379);
                    NetworkStream stream = tcp.GetStream();
                    stream.WriteByte(1);
                }
            }
            """);
        await Verify.VerifyNoDiagnosticAsync(Id, project);
        await Verify.VerifyNoDiagnosticAsync("BYP102", project);
    }
}
