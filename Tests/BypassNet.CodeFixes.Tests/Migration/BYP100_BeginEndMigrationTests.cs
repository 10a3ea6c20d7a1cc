using BypassNet.CodeFixes.Tests.Verifier;
using Microsoft.CodeAnalysis;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.Migration.SocketMigrationAnalyzer,
    BypassNet.CodeFixes.Migration.SocketMigrationCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.Migration;

/// <summary>
/// BYP100 on callback-style (Begin/End) programs: the counterparts have Socket's, TcpListener's and TcpClient's
/// Begin/End pairs, and a socket passed as a Begin call's state swaps with the casts of <c>IAsyncResult.AsyncState</c>
/// back to it. A state the analysis cannot see into (an <c>object</c>) blocks those casts, with BYP102 and the twin.
/// </summary>
public class BYP100_BeginEndMigrationTests
{
    private const string Id = "BYP100";

    /// <summary>The shape of the classic asynchronous socket server: accept, receive and send chains of callbacks.</summary>
    private const string CallbackServer = """
        using System;
        using System.Net;
        using System.Net.Sockets;
        using System.Text;
        using System.Threading;

        public sealed class StateObject
        {
            public const int BufferSize = 1024;
            public byte[] buffer = new byte[BufferSize];
            public StringBuilder sb = new StringBuilder();
            public Socket workSocket = null;
        }

        public static class AsynchronousSocketListener
        {
            public static ManualResetEvent allDone = new ManualResetEvent(false);

            public static void StartListening(int port)
            {
                IPAddress ipAddress = IPAddress.Loopback;
                IPEndPoint localEndPoint = new IPEndPoint(ipAddress, port);
                Socket listener = new Socket(ipAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(localEndPoint);
                listener.Listen(100);
                while (true)
                {
                    allDone.Reset();
                    listener.BeginAccept(new AsyncCallback(AcceptCallback), listener);
                    allDone.WaitOne();
                }
            }

            public static void AcceptCallback(IAsyncResult ar)
            {
                allDone.Set();
                Socket listener = (Socket)ar.AsyncState;
                Socket handler = listener.EndAccept(ar);
                StateObject state = new StateObject();
                state.workSocket = handler;
                handler.BeginReceive(state.buffer, 0, StateObject.BufferSize, 0, new AsyncCallback(ReadCallback), state);
            }

            public static void ReadCallback(IAsyncResult ar)
            {
                StateObject state = (StateObject)ar.AsyncState;
                Socket handler = state.workSocket;
                int bytesRead = handler.EndReceive(ar, out SocketError error);
                if (bytesRead > 0)
                {
                    state.sb.Append(Encoding.ASCII.GetString(state.buffer, 0, bytesRead));
                    string content = state.sb.ToString();
                    if (content.IndexOf("<EOF>") > -1)
                    {
                        Send(handler, content);
                    }
                    else
                    {
                        handler.BeginReceive(state.buffer, 0, StateObject.BufferSize, 0, new AsyncCallback(ReadCallback), state);
                    }
                }
            }

            public static int Main(string[] args)
            {
                StartListening(11000);
                return 0;
            }

            private static void Send(Socket handler, string data)
            {
                byte[] byteData = Encoding.ASCII.GetBytes(data);
                handler.BeginSend(byteData, 0, byteData.Length, 0, new AsyncCallback(SendCallback), handler);
            }

            private static void SendCallback(IAsyncResult ar)
            {
                Socket handler = ar.AsyncState as Socket;
                int bytesSent = handler.EndSend(ar);
                handler.Shutdown(SocketShutdown.Both);
                handler.Close();
            }
        }
        """;

    [Fact]
    public async Task The_classic_callback_server_migrates_with_its_state_casts()
    {
        // As the sample is: public types in a console program (a library's public API would stay).
        var project = TestProject.From(CallbackServer).AsExecutable();
        string text = Assert.Single(await Verify.FixAllAndCompileAsync(Id, project, unreported: "BYP102"));
        Assert.Contains("BypassSocket listener = new BypassSocket(ipAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);", text, StringComparison.Ordinal);
        Assert.Contains("BypassSocket listener = (BypassSocket)ar.AsyncState;", text, StringComparison.Ordinal);
        Assert.Contains("BypassSocket handler = listener.EndAccept(ar);", text, StringComparison.Ordinal);
        Assert.Contains("public BypassSocket workSocket = null;", text, StringComparison.Ordinal);
        Assert.Contains("BypassSocket handler = ar.AsyncState as BypassSocket;", text, StringComparison.Ordinal);
        Assert.Contains("private static void Send(BypassSocket handler, string data)", text, StringComparison.Ordinal);
        Assert.DoesNotContain(" Socket ", text.Replace("System.Net.Sockets", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_state_typed_object_blocks_the_casts_and_its_twin_with_a_typed_state_migrates()
    {
        const string Blocked = """
            using System;
            using System.Net;
            using System.Net.Sockets;

            static class Client
            {
                public static void Start(object context)
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    socket.BeginConnect(new IPEndPoint(IPAddress.Loopback, 7000), OnConnected, socket);
                    Dns.BeginGetHostEntry("localhost", OnResolved, [|context|]);
                }

                static void OnConnected(IAsyncResult ar)
                {
                    var socket = (Socket)ar.AsyncState;
                    socket.EndConnect(ar);
                }

                static void OnResolved(IAsyncResult ar) => Console.WriteLine(Dns.EndGetHostEntry(ar).HostName);
            }
            """;
        var diagnostics = await Verify.VerifyDiagnosticsAsync("BYP102", TestProject.From(Blocked));
        Assert.Contains("may hold a socket", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);

        // The twin passes a state the analysis can see into: the socket and the cast swap together.
        string twin = Blocked.Replace("public static void Start(object context)", "public static void Start(Uri context)", StringComparison.Ordinal)
            .Replace("Dns.BeginGetHostEntry(\"localhost\", OnResolved, [|context|]);", "Console.WriteLine(context);", StringComparison.Ordinal);
        var project = TestProject.From(twin);
        string text = Assert.Single(await Verify.FixAllAndCompileAsync(Id, project, unreported: "BYP102"));
        Assert.Contains("var socket = (BypassSocket)ar.AsyncState;", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listener_accepting_clients_through_Begin_End_moves_with_its_clients()
    {
        var project = TestProject.From("""
            using System;
            using System.Net;
            using System.Net.Sockets;

            sealed class Server
            {
                private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);

                public void Start()
                {
                    _listener.Start();
                    _listener.BeginAcceptTcpClient(OnAccept, _listener);
                }

                private static void OnAccept(IAsyncResult ar)
                {
                    var listener = (TcpListener)ar.AsyncState;
                    TcpClient client = listener.EndAcceptTcpClient(ar);
                    NetworkStream stream = client.GetStream();
                    stream.Write(new byte[] { 1 }, 0, 1);
                    listener.BeginAcceptTcpClient(OnAccept, listener);
                    var outbound = new TcpClient();
                    outbound.BeginConnect("localhost", 7000, done => outbound.EndConnect(done), null);
                }
            }
            """);
        string text = Assert.Single(await Verify.FixAllAndCompileAsync(Id, project, unreported: "BYP102"));
        Assert.Contains("private readonly BypassTcpListener _listener = new BypassTcpListener(IPAddress.Loopback, 0);", text, StringComparison.Ordinal);
        Assert.Contains("var listener = (BypassTcpListener)ar.AsyncState;", text, StringComparison.Ordinal);
        Assert.Contains("BypassTcpClient client = listener.EndAcceptTcpClient(ar);", text, StringComparison.Ordinal);
        Assert.Contains("BypassNetworkStream stream = client.GetStream();", text, StringComparison.Ordinal);
        Assert.Contains("var outbound = new BypassTcpClient();", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task States_that_cannot_be_sockets_leave_the_cast_and_the_socket_passed_as_state_to_swap()
    {
        // The receive chain passes its byte[] as state, which cannot be a socket; the send chain passes its socket,
        // which the cast reads back: that socket and the cast swap together.
        var project = TestProject.From("""
            using System;
            using System.Net.Sockets;

            static class Chains
            {
                public static void Run()
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    byte[] buffer = new byte[16];
                    socket.BeginReceive(buffer, 0, buffer.Length, SocketFlags.None, OnReceived, buffer);
                    var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    other.BeginSend(buffer, 0, 1, SocketFlags.None, OnSent, other);
                }

                static void OnReceived(IAsyncResult ar) => Console.WriteLine(((byte[])ar.AsyncState).Length);

                static void OnSent(IAsyncResult ar)
                {
                    Socket sent = (Socket)ar.AsyncState;
                    sent.EndSend(ar);
                }
            }
            """);
        string text = Assert.Single(await Verify.FixAllAndCompileAsync(Id, project, unreported: "BYP102"));
        Assert.Contains("BypassSocket sent = (BypassSocket)ar.AsyncState;", text, StringComparison.Ordinal);
        Assert.Contains("var other = new BypassSocket(", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_type_pattern_on_AsyncState_swaps_like_the_cast_and_one_on_another_object_blocks()
    {
        const string Program = """
            using System;
            using System.Net;
            using System.Net.Sockets;

            static class Sender
            {
                static readonly System.Collections.Generic.List<Socket> s_done = new();

                public static void Run()
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    socket.Connect(IPAddress.Loopback, 7000);
                    socket.BeginSend(new byte[1], 0, 1, SocketFlags.None, OnSent, socket);
                    s_done.Remove(socket);
                }

                static void OnSent(IAsyncResult ar)
                {
                    if (ar.AsyncState is Socket sent)
                    {
                        sent.EndSend(ar);
                        s_done.Add(sent);
                    }
                }
            }
            """;
        var project = TestProject.From(Program);
        string text = Assert.Single(await Verify.FixAllAndCompileAsync(Id, project, unreported: "BYP102"));
        Assert.Contains("if (ar.AsyncState is BypassSocket sent)", text, StringComparison.Ordinal);
        Assert.Contains("List<BypassSocket> s_done = new();", text, StringComparison.Ordinal);

        // The same test as a switch statement, and as a switch expression.
        string switched = Program.Replace("""
                    if (ar.AsyncState is Socket sent)
                    {
                        sent.EndSend(ar);
                        s_done.Add(sent);
                    }
            """, """
                    switch (ar.AsyncState)
                    {
                        case Socket sent:
                            sent.EndSend(ar);
                            s_done.Add(sent);
                            break;
                    }

                    int available = ar.AsyncState switch { Socket again => again.Available, _ => 0 };
            """, StringComparison.Ordinal);
        Assert.NotEqual(Program, switched);
        var switchProject = TestProject.From(switched);
        string switchText = Assert.Single(await Verify.FixAllAndCompileAsync(Id, switchProject, unreported: "BYP102"));
        Assert.Contains("case BypassSocket sent:", switchText, StringComparison.Ordinal);
        Assert.Contains("BypassSocket again => again.Available", switchText, StringComparison.Ordinal);

        // The same pattern on an object of unknown origin, in the same group (s_done): that socket could be anything's.
        string elsewhere = Program.Replace("if (ar.AsyncState is Socket sent)", "if (Registry.Last is Socket [|sent|])", StringComparison.Ordinal)
            .Replace("static class Sender", "static class Registry { public static object Last; }\n\nstatic class Sender", StringComparison.Ordinal);
        var diagnostics = await Verify.VerifyDiagnosticsAsync("BYP102", TestProject.From(elsewhere));
        Assert.Contains("a type pattern on object produces the socket", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_TcpClient_read_chain_over_its_stream_with_the_client_as_state_migrates()
    {
        var project = TestProject.From("""
            using System;
            using System.Net;
            using System.Net.Sockets;

            sealed class Peer
            {
                private readonly byte[] _buffer = new byte[512];

                public void Start()
                {
                    var client = new TcpClient();
                    client.BeginConnect(IPAddress.Loopback, 7000, OnConnected, client);
                }

                private void OnConnected(IAsyncResult ar)
                {
                    var client = (TcpClient)ar.AsyncState;
                    client.EndConnect(ar);
                    NetworkStream stream = client.GetStream();
                    stream.BeginRead(_buffer, 0, _buffer.Length, OnRead, stream);
                }

                private void OnRead(IAsyncResult ar)
                {
                    var stream = (NetworkStream)ar.AsyncState;
                    int read = stream.EndRead(ar);
                    if (read > 0)
                    {
                        stream.BeginWrite(_buffer, 0, read, done => stream.EndWrite(done), null);
                        stream.BeginRead(_buffer, 0, _buffer.Length, OnRead, stream);
                    }
                }
            }
            """);
        string text = Assert.Single(await Verify.FixAllAndCompileAsync(Id, project, unreported: "BYP102"));
        Assert.Contains("var client = new BypassTcpClient();", text, StringComparison.Ordinal);
        Assert.Contains("var client = (BypassTcpClient)ar.AsyncState;", text, StringComparison.Ordinal);
        Assert.Contains("BypassNetworkStream stream = client.GetStream();", text, StringComparison.Ordinal);
        Assert.Contains("var stream = (BypassNetworkStream)ar.AsyncState;", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_socket_given_to_another_API_as_its_state_keeps_the_AsyncState_casts_and_its_twin_migrates()
    {
        // A socket handed to Task.Factory.StartNew as its state comes back through the task's AsyncState, and a task is
        // an IAsyncResult: a cast of AsyncState might read it, a stock Socket, so the casts and the Begin states stay.
        const string Program = """
            using System;
            using System.Net.Sockets;
            using System.Threading.Tasks;

            static class Mixed
            {
                public static void Run()
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    socket.BeginSend(new byte[1], 0, 1, SocketFlags.None, OnSent, socket);
                    var worker = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    Task task = Task.Factory.StartNew(s => ((Socket)s).Close(), worker);
                    var again = (Socket)task.AsyncState;
                    again.Dispose();
                }

                static void OnSent(IAsyncResult ar) => ((Socket)ar.AsyncState).EndSend(ar);
            }
            """;
        using var workspace = new AdhocWorkspace();
        var diagnostics = await Verify.GetDiagnosticsAsync(TestProject.From(Program).Build(workspace));
        Assert.DoesNotContain(diagnostics, d => d.Id == Id);
        Assert.Contains(diagnostics, d => d.Id == "BYP102" && d.GetMessage().Contains("the socket is the state of System.Threading.Tasks.TaskFactory.StartNew(", StringComparison.Ordinal));

        // The twin passes the worker through the lambda's closure instead: the Begin state and its cast migrate.
        string twin = Program.Replace("Task.Factory.StartNew(s => ((Socket)s).Close(), worker);", "Task.Run(() => worker.Close());", StringComparison.Ordinal)
            .Replace("var again = (Socket)task.AsyncState;\n        again.Dispose();", "task.Wait();", StringComparison.Ordinal);
        var project = TestProject.From(twin);
        string text = Assert.Single(await Verify.FixAllAndCompileAsync(Id, project, unreported: "BYP102"));
        Assert.Contains("((BypassSocket)ar.AsyncState).EndSend(ar)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_program_s_own_IAsyncResult_keeps_the_AsyncState_casts()
    {
        using var workspace = new AdhocWorkspace();
        var diagnostics = await Verify.GetDiagnosticsAsync(TestProject.From("""
            using System;
            using System.Net.Sockets;
            using System.Threading;

            sealed class Pending : IAsyncResult
            {
                public Pending(object state) => AsyncState = state;
                public object AsyncState { get; }
                public WaitHandle AsyncWaitHandle => null;
                public bool CompletedSynchronously => true;
                public bool IsCompleted => true;
            }

            static class Own
            {
                public static void Run()
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    socket.BeginSend(new byte[1], 0, 1, SocketFlags.None, OnSent, socket);
                }

                static void OnSent(IAsyncResult ar) => ((Socket)ar.AsyncState).EndSend(ar);
            }
            """).Build(workspace));
        Assert.DoesNotContain(diagnostics, d => d.Id == Id);
        Assert.Contains(diagnostics, d => d.Id == "BYP102" && d.GetMessage().Contains("Pending implements IAsyncResult", StringComparison.Ordinal));
    }
}
