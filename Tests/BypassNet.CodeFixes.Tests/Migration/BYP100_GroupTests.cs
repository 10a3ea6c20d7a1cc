using BypassNet.CodeFixes.Tests.Verifier;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.Migration.SocketMigrationAnalyzer,
    BypassNet.CodeFixes.Migration.SocketMigrationCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.Migration;

/// <summary>BYP100 over groups: fields, parameters, results, accepted sockets, several documents, Fix All.</summary>
public class BYP100_GroupTests
{
    private const string Id = "BYP100";

    private const string EchoServer = """
        using System;
        using System.Net;
        using System.Net.Sockets;
        using System.Threading;
        using System.Threading.Tasks;

        class EchoServer
        {
            private readonly [|Socket|] _listener;

            public EchoServer(int port)
            {
                _listener = [|new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)|];
                _listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
                _listener.Listen(100);
            }

            public EndPoint? LocalEndPoint => _listener.LocalEndPoint;

            public async Task RunAsync(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    var [|client|] = await _listener.AcceptAsync(ct);
                    _ = HandleAsync(client, ct);
                }
            }

            private static async Task HandleAsync([|Socket|] client, CancellationToken ct)
            {
                using (client)
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        int n = await client.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, ct);
                        if (n == 0) break;
                        await client.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, ct);
                    }
                }
            }

            public void Stop() => _listener.Close();
        }

        static class Client
        {
            public static async [|Task<Socket>|] ConnectAsync(EndPoint ep)
            {
                var [|s|] = [|new Socket(SocketType.Stream, ProtocolType.Tcp)|];
                s.NoDelay = true;
                await s.ConnectAsync(ep);
                return s;
            }

            public static async Task<int> PingAsync(EndPoint ep)
            {
                [|Socket|] s = await ConnectAsync(ep);
                try
                {
                    return await s.SendAsync(new ArraySegment<byte>(new byte[] { 1 }), SocketFlags.None);
                }
                finally
                {
                    s.Shutdown(SocketShutdown.Both);
                    s.Dispose();
                }
            }
        }
        """;

    private const string EchoServerFixed = """
        using System;
        using System.Net;
        using System.Net.Sockets;
        using System.Threading;
        using System.Threading.Tasks;
        using BypassNet;

        class EchoServer
        {
            private readonly BypassSocket _listener;

            public EchoServer(int port)
            {
                _listener = new BypassSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                _listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
                _listener.Listen(100);
            }

            public EndPoint? LocalEndPoint => _listener.LocalEndPoint;

            public async Task RunAsync(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    var client = await _listener.AcceptAsync(ct);
                    _ = HandleAsync(client, ct);
                }
            }

            private static async Task HandleAsync(BypassSocket client, CancellationToken ct)
            {
                using (client)
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        int n = await client.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, ct);
                        if (n == 0) break;
                        await client.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, ct);
                    }
                }
            }

            public void Stop() => _listener.Close();
        }

        static class Client
        {
            public static async Task<BypassSocket> ConnectAsync(EndPoint ep)
            {
                var s = new BypassSocket(SocketType.Stream, ProtocolType.Tcp);
                s.NoDelay = true;
                await s.ConnectAsync(ep);
                return s;
            }

            public static async Task<int> PingAsync(EndPoint ep)
            {
                BypassSocket s = await ConnectAsync(ep);
                try
                {
                    return await s.SendAsync(new ArraySegment<byte>(new byte[] { 1 }), SocketFlags.None);
                }
                finally
                {
                    s.Shutdown(SocketShutdown.Both);
                    s.Dispose();
                }
            }
        }
        """;

    private static string Strip(string markup) => Markup.Parse(markup).Text;

    [Fact]
    public async Task Reports_every_member_of_each_group()
    {
        await Verify.VerifyDiagnosticsAsync(Id, TestProject.From(EchoServer));
    }

    [Fact]
    public async Task One_fix_swaps_the_whole_group_of_the_listener_only()
    {
        // The listener's group: field, creation, accepted socket, handler parameter. The client group stays.
        string expected = Strip(EchoServer)
            .Replace("using System.Threading.Tasks;\n", "using System.Threading.Tasks;\nusing BypassNet;\n")
            .Replace("private readonly Socket _listener;", "private readonly BypassSocket _listener;")
            .Replace("_listener = new Socket(", "_listener = new BypassSocket(")
            .Replace("HandleAsync(Socket client", "HandleAsync(BypassSocket client");
        await Verify.VerifyFixAsync(Id, TestProject.From(Strip(EchoServer)), new[] { expected }, remaining: 4);
    }

    [Fact]
    public async Task Fix_all_in_document_swaps_every_group()
    {
        await Verify.VerifyFixAllAsync(Id, TestProject.From(Strip(EchoServer)), new[] { EchoServerFixed }, FixAllScope.Document);
    }

    [Fact]
    public async Task Fix_all_in_project_and_solution_swap_every_group()
    {
        await Verify.VerifyFixAllAsync(Id, TestProject.From(Strip(EchoServer)), new[] { EchoServerFixed }, FixAllScope.Project);
        await Verify.VerifyFixAllAsync(Id, TestProject.From(Strip(EchoServer)), new[] { EchoServerFixed }, FixAllScope.Solution);
    }

    [Fact]
    public async Task Fix_all_leaves_sockets_that_cannot_be_swapped()
    {
        const string source = """
            using System.IO;
            using System.Net;
            using System.Net.Sockets;

            class C
            {
                Socket _tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                Socket _udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                Socket _polled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

                void M()
                {
                    var other = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
                    other.Connect(new IPEndPoint(IPAddress.IPv6Loopback, 1));
                    _tcp.Listen();
                    _udp.SendTo(new byte[1], new IPEndPoint(IPAddress.Loopback, 1));
                    bool readable = _polled.Poll(0, SelectMode.SelectRead);
                    Socket accepted = _tcp.AcceptAsync().Result;
                    accepted.Send(new byte[1]);
                }
            }
            """;
        const string expected = """
            using System.IO;
            using System.Net;
            using System.Net.Sockets;
            using BypassNet;

            class C
            {
                BypassSocket _tcp = new BypassSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                Socket _udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                Socket _polled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

                void M()
                {
                    var other = new BypassSocket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
                    other.Connect(new IPEndPoint(IPAddress.IPv6Loopback, 1));
                    _tcp.Listen();
                    _udp.SendTo(new byte[1], new IPEndPoint(IPAddress.Loopback, 1));
                    bool readable = _polled.Poll(0, SelectMode.SelectRead);
                    BypassSocket accepted = _tcp.AcceptAsync().Result;
                    accepted.Send(new byte[1]);
                }
            }
            """;
        await Verify.VerifyFixAllAsync(Id, TestProject.From(source), new[] { expected });
    }

    [Fact]
    public async Task A_group_across_documents_is_fixed_in_both()
    {
        const string a = """
            using System.Net.Sockets;

            partial class Server
            {
                private Socket? _listener;

                public void Start()
                {
                    _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    Configure(_listener);
                }
            }
            """;
        const string b = """
            using System.Net;
            using System.Net.Sockets;

            partial class Server
            {
                private static void Configure(Socket socket)
                {
                    socket.NoDelay = true;
                    socket.Bind(new IPEndPoint(IPAddress.Any, 0));
                }
            }
            """;
        const string aFixed = """
            using System.Net.Sockets;
            using BypassNet;

            partial class Server
            {
                private BypassSocket? _listener;

                public void Start()
                {
                    _listener = new BypassSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    Configure(_listener);
                }
            }
            """;
        const string bFixed = """
            using System.Net;
            using System.Net.Sockets;
            using BypassNet;

            partial class Server
            {
                private static void Configure(BypassSocket socket)
                {
                    socket.NoDelay = true;
                    socket.Bind(new IPEndPoint(IPAddress.Any, 0));
                }
            }
            """;
        await Verify.VerifyFixAsync(Id, TestProject.From(a, b), new[] { aFixed, bFixed });
        await Verify.VerifyFixAllAsync(Id, TestProject.From(a, b), new[] { aFixed, bFixed }, FixAllScope.Document);
    }

    [Fact]
    public async Task One_blocked_member_keeps_the_whole_group()
    {
        // The accepted socket is polled (BypassSocket has no Poll), so the listener that produced it cannot change either.
        await Verify.VerifyNoDiagnosticAsync(Id, TestProject.From("""
            using System.Net;
            using System.Net.Sockets;
            using System.Threading.Tasks;

            class C
            {
                private readonly Socket _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

                async Task Run()
                {
                    _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                    _listener.Listen();
                    Socket client = await _listener.AcceptAsync();
                    Serve(client);
                }

                static void Serve(Socket s)
                {
                    if (s.Poll(0, SelectMode.SelectWrite))
                    {
                        s.Send(new byte[1]);
                    }
                }
            }
            """));
    }

    [Fact]
    public async Task Fully_qualified_and_aliased_names_are_swapped()
    {
        const string source = """
            using Tcp = System.Net.Sockets.Socket;

            class C
            {
                void M()
                {
                    System.Net.Sockets.Socket a = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                    Tcp b = new Tcp(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                    a.Dispose();
                    b.Dispose();
                }
            }
            """;
        const string expected = """
            using BypassNet;
            using Tcp = System.Net.Sockets.Socket;

            class C
            {
                void M()
                {
                    BypassSocket a = new BypassSocket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                    BypassSocket b = new BypassSocket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                    a.Dispose();
                    b.Dispose();
                }
            }
            """;
        await Verify.VerifyFixAllAsync(Id, TestProject.From(source), new[] { expected });
    }

    [Fact]
    public async Task The_fix_keeps_the_indentation_of_a_file_that_does_not_use_four_spaces()
    {
        // Two-space indentation and no .editorconfig, as many repositories have: only the type names change.
        const string source = """
            using System.Net;
            using System.Net.Sockets;
            using System.Threading.Tasks;

            sealed class Link
            {
              private TcpClient? _client;

              public async Task OpenAsync(int port)
              {
                TcpClient client = new("localhost", port);
                NetworkStream stream = client.GetStream();
                await stream.WriteAsync(new byte[] { 1 });
                _client = client;
              }
            }
            """;
        const string expected = """
            using System.Net;
            using System.Net.Sockets;
            using System.Threading.Tasks;
            using BypassNet;

            sealed class Link
            {
              private BypassTcpClient? _client;

              public async Task OpenAsync(int port)
              {
                BypassTcpClient client = new("localhost", port);
                BypassNetworkStream stream = client.GetStream();
                await stream.WriteAsync(new byte[] { 1 });
                _client = client;
              }
            }
            """;
        await Verify.VerifyFixAllAsync(Id, TestProject.From(source), new[] { expected });
    }
}
