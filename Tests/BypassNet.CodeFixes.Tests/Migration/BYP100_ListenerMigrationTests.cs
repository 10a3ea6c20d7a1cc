using BypassNet.CodeFixes.Tests.Verifier;
using Microsoft.CodeAnalysis;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.Migration.SocketMigrationAnalyzer,
    BypassNet.CodeFixes.Migration.SocketMigrationCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.Migration;

/// <summary>
/// BYP100 on TcpListener programs: the listener and the sockets it accepts move together, to BypassTcpListener and
/// BypassSocket, with the NetworkStreams over them; what BypassTcpListener lacks (the obsolete port-only constructor)
/// keeps the group and BYP102 says so, each with the corrected twin that migrates. TcpClients: BYP100_TcpClientMigrationTests.
/// </summary>
public class BYP100_ListenerMigrationTests
{
    private const string Id = "BYP100";

    /// <summary>
    /// The one BYP102 of <paramref name="blockedMarkup"/> is where its markup says; its corrected twin has none and
    /// BYP100's Fix All over it compiles. Returns the BYP102 message.
    /// </summary>
    private static async Task<string> BlockedAndTwinMigratesAsync(string blockedMarkup, string twinSource)
    {
        var diagnostics = await Verify.VerifyDiagnosticsAsync("BYP102", TestProject.From(blockedMarkup));
        string message = Assert.Single(diagnostics).GetMessage();
        var twin = TestProject.From(twinSource);
        await Verify.FixAllAndCompileAsync(Id, twin, unreported: "BYP102");
        return message;
    }

    private static string Program(string body, string members = "") => $$"""
        using System;
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
        {{members}}
        }
        """;

    [Fact]
    public async Task A_listener_and_its_accepted_socket_are_reported_together_and_fixed_to_their_counterparts()
    {
        var diagnostics = await Verify.VerifyDiagnosticsAsync(Id, TestProject.From(Program(
            "[|TcpListener|] listener = [|new TcpListener(IPAddress.Loopback, 0)|]; listener.Start(); [|Socket|] client = listener.AcceptSocket(); client.Send(new byte[1]); listener.Stop();")));
        Assert.Contains(diagnostics, d => d.GetMessage() == "This TCP listener can be a BypassNet.BypassTcpListener instead of a System.Net.Sockets.TcpListener");
        Assert.Contains(diagnostics, d => d.GetMessage() == "'client' can be a BypassNet.BypassSocket instead of a System.Net.Sockets.Socket");

        await Verify.VerifyFixAsync(Id, TestProject.From(Program(
            "TcpListener listener = new TcpListener(IPAddress.Loopback, 0); listener.Start(); Socket client = listener.AcceptSocket(); client.Send(new byte[1]); listener.Stop();")),
            new[] { Program("BypassTcpListener listener = new BypassTcpListener(IPAddress.Loopback, 0); listener.Start(); BypassSocket client = listener.AcceptSocket(); client.Send(new byte[1]); listener.Stop();")
                .Replace("using System.Threading.Tasks;\n", "using System.Threading.Tasks;\nusing BypassNet;\n", StringComparison.Ordinal) });
    }

    [Fact]
    public async Task An_async_accept_loop_handing_sockets_to_a_handler_migrates_across_methods()
    {
        string[] fixedSources = await Verify.FixAllAndCompileAsync(Id, TestProject.From(Program(
            """
            var server = new TcpListener(IPAddress.Any, 6379);
            server.Start();
            while (true)
            {
                var client = await server.AcceptSocketAsync();
                _ = Task.Run(() => HandleAsync(client));
            }
            """,
            """
                static async Task HandleAsync(Socket client)
                {
                    var buffer = new byte[512];
                    while (client.Connected)
                    {
                        int n = await client.ReceiveAsync(buffer, SocketFlags.None);
                        if (n == 0) break;
                        await client.SendAsync(new ArraySegment<byte>(buffer, 0, n), SocketFlags.None);
                    }
                }
            """)));
        string text = Assert.Single(fixedSources);
        Assert.Contains("var server = new BypassTcpListener(IPAddress.Any, 6379);", text, StringComparison.Ordinal);
        Assert.Contains("static async Task HandleAsync(BypassSocket client)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("TcpListener(", text.Replace("BypassTcpListener(", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TcpListener_Create_becomes_BypassTcpListener_Create()
    {
        string[] fixedSources = await Verify.FixAllAndCompileAsync(Id, TestProject.From(Program(
            "using TcpListener server = TcpListener.Create(0); server.Start(); using Socket s = await server.AcceptSocketAsync(); s.NoDelay = true;")));
        string text = Assert.Single(fixedSources);
        Assert.Contains("using BypassTcpListener server = BypassTcpListener.Create(0);", text, StringComparison.Ordinal);
        Assert.Contains("using BypassSocket s = await server.AcceptSocketAsync();", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listener_kept_in_a_field_and_passed_to_a_method_moves_with_both()
    {
        string[] fixedSources = await Verify.FixAllAndCompileAsync(Id, TestProject.From("""
            using System.Net;
            using System.Net.Sockets;
            using System.Threading;

            sealed class Server
            {
                private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

                public void Run(CancellationToken ct)
                {
                    _listener.Start(100);
                    Serve(_listener, ct);
                }

                private static void Serve(TcpListener listener, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        if (!listener.Pending())
                        {
                            Thread.Sleep(1);
                            continue;
                        }

                        using Socket client = listener.AcceptSocket();
                        client.Shutdown(SocketShutdown.Both);
                    }

                    listener.Server.Close();
                }
            }
            """));
        string text = Assert.Single(fixedSources);
        Assert.Contains("private readonly BypassTcpListener _listener = new(IPAddress.Loopback, 0);", text, StringComparison.Ordinal);
        Assert.Contains("private static void Serve(BypassTcpListener listener, CancellationToken ct)", text, StringComparison.Ordinal);
        Assert.Contains("using BypassSocket client = listener.AcceptSocket();", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_obsolete_port_only_constructor_is_reported_and_its_twin_migrates()
    {
        string message = await BlockedAndTwinMigratesAsync(
            Program("#pragma warning disable CS0618\nvar listener = [|new TcpListener(5000)|];\n#pragma warning restore CS0618\nlistener.Start(); using Socket s = listener.AcceptSocket();"),
            Program("var listener = new TcpListener(IPAddress.Any, 5000); listener.Start(); using Socket s = listener.AcceptSocket();"));
        Assert.Contains("BypassTcpListener has no constructor like", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listener_passed_to_a_library_that_needs_a_TcpListener_stays_and_says_where()
    {
        var diagnostics = await Verify.VerifyDiagnosticsAsync("BYP102", TestProject.From(Program(
            "var listener = new TcpListener(IPAddress.Loopback, 0); Console.WriteLine([|listener|]); listener.Start(); using Socket s = listener.AcceptSocket();")));
        Assert.Contains("converted to object", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
        await Verify.VerifyNoDiagnosticAsync(Id, TestProject.From(Program(
            "var listener = new TcpListener(IPAddress.Loopback, 0); Console.WriteLine(listener); listener.Start(); using Socket s = listener.AcceptSocket();")));
    }

    [Fact]
    public async Task A_listener_whose_accepted_socket_needs_a_Socket_elsewhere_stays_with_it_and_its_twin_migrates()
    {
        // The accepted socket's SafeHandle has no BypassSocket counterpart: the whole group stays, listener included.
        const string body = "var listener = new TcpListener(IPAddress.Loopback, 0); listener.Start(); Socket s = listener.AcceptSocket(); var handle = {0}.SafeHandle;";
        await Verify.VerifyNoDiagnosticAsync(Id, TestProject.From(Program(string.Format(System.Globalization.CultureInfo.InvariantCulture, body, "s"))));
        string message = await BlockedAndTwinMigratesAsync(
            Program(string.Format(System.Globalization.CultureInfo.InvariantCulture, body, "[|s|]")),
            Program("var listener = new TcpListener(IPAddress.Loopback, 0); listener.Start(); Socket s = listener.AcceptSocket(); var handle = s.Handle;"));
        Assert.Contains("the listener created at", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_NetworkStream_over_an_accepted_socket_becomes_a_BypassNetworkStream_with_what_it_flows_into()
    {
        string[] fixedSources = await Verify.FixAllAndCompileAsync(Id, TestProject.From("""
            using System;
            using System.Collections.Generic;
            using System.IO;
            using System.Net;
            using System.Net.Sockets;
            using System.Threading.Tasks;

            sealed class Framed : IAsyncDisposable
            {
                private readonly NetworkStream _inner;

                public Framed(NetworkStream inner) => _inner = inner ?? throw new ArgumentNullException(nameof(inner));

                public async Task<byte> ReadTagAsync()
                {
                    var one = new byte[1];
                    await _inner.ReadExactlyAsync(one);
                    return one[0];
                }

                public ValueTask DisposeAsync() => _inner.DisposeAsync();
            }

            sealed class Server
            {
                private readonly List<NetworkStream> _replicas = [];

                public async Task RunAsync()
                {
                    var listener = new TcpListener(IPAddress.Loopback, 0);
                    listener.Start();
                    Socket socket = await listener.AcceptSocketAsync();
                    await using var stream = new NetworkStream(socket, FileAccess.ReadWrite, ownsSocket: true);
                    _replicas.Add(stream);
                    using var reader = new StreamReader(stream);
                    await using var framed = new Framed(stream);
                    await framed.ReadTagAsync();
                }
            }
            """));
        string text = Assert.Single(fixedSources);
        Assert.Contains("private readonly BypassNetworkStream _inner;", text, StringComparison.Ordinal);
        Assert.Contains("public Framed(BypassNetworkStream inner)", text, StringComparison.Ordinal);
        Assert.Contains("private readonly List<BypassNetworkStream> _replicas = [];", text, StringComparison.Ordinal);
        Assert.Contains("await using var stream = new BypassNetworkStream(socket, FileAccess.ReadWrite, ownsSocket: true);", text, StringComparison.Ordinal);
        Assert.Contains("BypassSocket socket = await listener.AcceptSocketAsync();", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NetworkStream_members_inherited_from_Stream_or_mirrored_migrate_and_compile()
    {
        // BeginRead overrides Stream.BeginRead, which BypassNetworkStream inherits; Close(TimeSpan) and Socket are
        // mirrored (Socket as a BypassSocket).
        var project = TestProject.From(Program(
            "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); await s.ConnectAsync(IPAddress.Loopback, 1); var stream = new NetworkStream(s, ownsSocket: true); var r = stream.BeginRead(new byte[1], 0, 1, null, null); int n = stream.EndRead(r); Socket back = stream.Socket; stream.Close(TimeSpan.FromSeconds(1));"));
        string text = Assert.Single(await Verify.FixAllAndCompileAsync(Id, project, unreported: "BYP102"));
        Assert.Contains("var stream = new BypassNetworkStream(s, ownsSocket: true);", text, StringComparison.Ordinal);
        Assert.Contains("BypassSocket back = stream.Socket;", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_NetworkStream_handed_to_a_NetworkStream_subclass_keeps_the_group_and_its_twin_migrates()
    {
        // A subclass of NetworkStream cannot derive from the sealed BypassNetworkStream, so the socket it wraps stays a Socket;
        // BYP102 points at the base call that pins it.
        const string Subclass = """
                sealed class Counting : NetworkStream
                {
                    public Counting(Socket socket) : base(socket, ownsSocket: true) { }
                    public bool IsReadable => Readable;
                }
            """;
        string message = await BlockedAndTwinMigratesAsync(
            Program(
                "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); await s.ConnectAsync(IPAddress.Loopback, 1); using var stream = new Counting(s); await stream.WriteAsync(new byte[1]);",
                Subclass.Replace("base(socket,", "base([|socket|],", StringComparison.Ordinal)),
            Program(
                "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); await s.ConnectAsync(IPAddress.Loopback, 1); using var stream = new NetworkStream(s, ownsSocket: true); await stream.WriteAsync(new byte[1]);",
                Subclass));
        Assert.Contains("BypassNetworkStream is sealed", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_socket_list_initialised_with_a_collection_expression_migrates()
    {
        var project = TestProject.From("""
            using System.Collections.Generic;
            using System.Net.Sockets;

            sealed class Hub
            {
                private readonly Dictionary<string, List<Socket>> _channels = new();

                public void Subscribe(string channel, Socket subscriber)
                {
                    List<Socket> sockets = _channels.GetValueOrDefault(channel, []);
                    sockets.Add(subscriber);
                    _channels[channel] = [.. sockets, subscriber];
                }

                public static Socket Open() => new Socket(SocketType.Stream, ProtocolType.Tcp);

                public void Run() => Subscribe("news", Open());
            }
            """);
        string text = Assert.Single(await Verify.FixAllAndCompileAsync(Id, project, unreported: "BYP102"));
        Assert.Contains("List<BypassSocket> sockets = _channels.GetValueOrDefault(channel, []);", text, StringComparison.Ordinal);
    }
}
