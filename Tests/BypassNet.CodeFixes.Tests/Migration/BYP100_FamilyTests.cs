using BypassNet.CodeFixes.Tests.Verifier;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.Migration.SocketMigrationAnalyzer,
    BypassNet.CodeFixes.Migration.SocketMigrationCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.Migration;

/// <summary>
/// BYP100 follows what real programs do with sockets beyond locals and fields: interface and virtual members whose
/// implementations are all in source, generic collections, tuples, lambdas, records, arrays and Task&lt;Socket&gt;.
/// Each case is reported and its fix compiles against the real BypassNet.
/// </summary>
public class BYP100_FamilyTests
{
    private const string Id = "BYP100";

    private const string Usings = """
        using System;
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.Linq;
        using System.Net;
        using System.Net.Sockets;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    [Fact]
    public async Task Interface_virtual_and_override_members_swap_with_all_their_implementations()
    {
        const string source = Usings + """
            interface IHandler { void Handle([|Socket|] s); [|Socket?|] Last { get; } }

            abstract class Base
            {
                protected virtual void Serve([|Socket|] s) => s.Dispose();
            }

            class Handler : Base, IHandler
            {
                public [|Socket?|] Last { get; private set; }

                public void Handle([|Socket|] s) => Last = s;

                protected override void Serve([|Socket|] s) => s.Shutdown(SocketShutdown.Both);

                void Run(IHandler other)
                {
                    var [|a|] = [|new Socket(SocketType.Stream, ProtocolType.Tcp)|];
                    other.Handle(a);
                    Serve(a);
                }
            }

            class Explicit : IHandler
            {
                void IHandler.Handle([|Socket|] s) => s.Dispose();

                [|Socket?|] IHandler.Last => null;
            }
            """;
        await Verify.VerifyDiagnosticsAsync(Id, TestProject.From(source));
        string[] fixedSources = await Verify.FixAllAndCompileAsync(Id, TestProject.From(Markup.Parse(source).Text));
        Assert.Contains("void IHandler.Handle(BypassSocket s)", fixedSources[0]);
        Assert.Contains("protected override void Serve(BypassSocket s)", fixedSources[0]);
    }

    public static TheoryData<string, string, string> Cases => new()
    {
        { "Task.FromResult", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); Task<Socket> t = Task.FromResult(s); (await t).Dispose();", "Task<BypassSocket> t" },
        { "explicit type argument", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); var t = Task.FromResult<Socket>(s); (await t).Dispose();", "Task.FromResult<BypassSocket>(s)" },
        { "lambda parameter", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); Func<Socket, int> f = x => x.Available; f(s);", "Func<BypassSocket, int> f" },
        { "typed lambda parameter", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); Action<Socket> f = (Socket x) => x.Dispose(); f(s);", "(BypassSocket x) => x.Dispose()" },
        { "lambda result", "Func<Socket> f = () => new Socket(SocketType.Stream, ProtocolType.Tcp); f().Dispose();", "Func<BypassSocket> f" },
        { "tuple", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); (Socket Sock, int Id) pair = (s, 1); pair.Sock.Dispose(); pair.Item1.Dispose();", "(BypassSocket Sock, int Id) pair" },
        { "array", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); Socket[] all = { s }; all[0].Dispose();", "BypassSocket[] all" },
        { "array creation", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); var all = new Socket[] { s }; all[0].Dispose();", "new BypassSocket[] { s }" },
        { "List and foreach", "var list = new List<Socket> { new Socket(SocketType.Stream, ProtocolType.Tcp) }; foreach (Socket s in list) { s.Dispose(); } list.Clear();", "new List<BypassSocket>" },
        { "HashSet and Queue", "var set = new HashSet<Socket>(); var queue = new Queue<Socket>(); var s = new Socket(SocketType.Stream, ProtocolType.Tcp); set.Add(s); queue.Enqueue(s); queue.Dequeue().Dispose();", "new Queue<BypassSocket>()" },
        { "Dictionary value and TryGetValue", "var map = new Dictionary<string, Socket>(); map[\"a\"] = new Socket(SocketType.Stream, ProtocolType.Tcp); if (map.TryGetValue(\"a\", out Socket? s)) { s.Dispose(); }", "out BypassSocket? s" },
        { "ConcurrentDictionary key and deconstructing foreach", "var map = new ConcurrentDictionary<Socket, int>(); map.TryAdd(new Socket(SocketType.Stream, ProtocolType.Tcp), 1); foreach (var (s, n) in map) { s.Dispose(); } map.TryRemove(map.Keys.First(), out _);", "new ConcurrentDictionary<BypassSocket, int>()" },
        { "null checks that only look at the reference", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); ArgumentNullException.ThrowIfNull(s); GC.KeepAlive(s); if (ReferenceEquals(s, null)) { return; }", "var s = new BypassSocket(" },
        { "out and ref parameters of methods in source", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); Take(s, out Socket t); Swap(ref t); t.Dispose(); } static void Take(Socket s, out Socket t) => t = s; static void Swap(ref Socket s) { s.NoDelay = true; } async Task N() {", "static void Take(BypassSocket s, out BypassSocket t)" },
        { "generic method of yours with a constraint BypassSocket meets", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); Close(s); } static void Close<T>(T item) where T : IDisposable => item.Dispose(); async Task N() {", "var s = new BypassSocket(" },
        { "Task.WhenAny of accepts", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); var t = await Task.WhenAny(s.AcceptAsync()); (await t).Dispose();", "var s = new BypassSocket(" },
        { "a socket compared by reference with another joins its group", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); Socket? other = Find(); if (s == other || other != null) { s.Dispose(); } } static Socket? Find() => null; async Task N() {", "static BypassSocket? Find() => null;" },
        { "LINQ over sockets", "var list = new List<Socket> { new Socket(SocketType.Stream, ProtocolType.Tcp) }; await Task.WhenAll(list.Select(s => s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 1))));", "new List<BypassSocket>" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Reported_and_the_fix_compiles(string what, string body, string expected)
    {
        Assert.NotNull(what);
        string source = Usings + $$"""
            class C
            {
                async Task M()
                {
                    {{body}}
                }
            }
            """;
        string[] fixedSources = await Verify.FixAllAndCompileAsync(Id, TestProject.From(source));
        Assert.Contains(expected, fixedSources[0]);
    }

    [Fact]
    public async Task Record_positional_parameter_and_its_property_swap_together()
    {
        const string source = Usings + """
            record Session([|Socket|] Connection, int Id);

            class C
            {
                void M()
                {
                    var [|s|] = [|new Socket(SocketType.Stream, ProtocolType.Tcp)|];
                    var session = new Session(s, 1);
                    [|Socket|] back = session.Connection;
                    back.Dispose();
                }
            }
            """;
        await Verify.VerifyDiagnosticsAsync(Id, TestProject.From(source));
        string[] fixedSources = await Verify.FixAllAndCompileAsync(Id, TestProject.From(Markup.Parse(source).Text));
        Assert.Contains("record Session(BypassSocket Connection, int Id);", fixedSources[0]);
    }

    [Fact]
    public async Task Task_of_Socket_results_and_ValueTask_parameters_swap()
    {
        const string source = Usings + """
            class Replica
            {
                static async [|Task<Socket>|] ConnectAsync(EndPoint primary)
                {
                    var [|link|] = [|new Socket(SocketType.Stream, ProtocolType.Tcp)|];
                    await link.ConnectAsync(primary);
                    return link;
                }

                static async Task FollowAsync([|ValueTask<Socket>|] connecting)
                {
                    using [|Socket|] link = await connecting;
                    link.Shutdown(SocketShutdown.Both);
                }

                static Task RunAsync(EndPoint primary) => FollowAsync(new ValueTask<Socket>(ConnectAsync(primary)));
            }
            """;
        await Verify.VerifyDiagnosticsAsync(Id, TestProject.From(source));
        string[] fixedSources = await Verify.FixAllAndCompileAsync(Id, TestProject.From(Markup.Parse(source).Text));
        Assert.Contains("new ValueTask<BypassSocket>(ConnectAsync(primary))", fixedSources[0]);
    }
}
