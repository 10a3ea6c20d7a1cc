using BypassNet.CodeFixes.Tests.Verifier;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.Migration.SocketMigrationAnalyzer,
    BypassNet.CodeFixes.Migration.SocketMigrationCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.Migration;

/// <summary>BYP100 stays silent wherever the swap would not compile or would change behaviour.</summary>
public class BYP100_NotReportedTests
{
    private const string Id = "BYP100";

    private static string InMethod(string body, string members = "") => $$"""
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Linq;
        using System.Net;
        using System.Net.Sockets;
        using System.Threading;
        using System.Threading.Tasks;

        class C
        {
            {{members}}

            async Task M(object obj, SocketType socketType, CancellationToken ct)
            {
                {{body}}
                await Task.Yield();
            }
        }
        """;

    public static TheoryData<string, string> Cases => new()
    {
        { "udp", "var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp); s.Dispose();" },
        { "raw", "var s = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp); s.Dispose();" },
        { "stream but not tcp", "var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified); s.Dispose();" },
        { "socket type not constant", "var s = new Socket(AddressFamily.InterNetwork, socketType, ProtocolType.Tcp); s.Dispose();" },
        { "socket async event args", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); var e = new SocketAsyncEventArgs(); s.AcceptAsync(e);" },
        { "accept into a given socket", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); var t = await s.AcceptAsync((Socket?)null, ct);" },
        { "select", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); var list = new List<Socket> { s }; Socket.Select(list, null, null, 1000);" },
        { "missing member Blocking", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); s.Blocking = false;" },
        { "missing member Poll", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); s.Poll(100, SelectMode.SelectRead);" },
        { "missing member SendFile", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); s.SendFile(\"x\");" },
        { "out-of-band flag", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); s.Send(new byte[1], 0, 1, SocketFlags.OutOfBand);" },
        { "flags not constant", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); var f = SocketFlags.None; s.Send(new byte[1], 0, 1, f);" },
        { "converted to object", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); Console.WriteLine(s);" },
        { "string concatenation calls ToString", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); var text = \"socket \" + s;" },
        { "ToString differs", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); var text = s.ToString();" },
        { "cast from object joins the group", "Socket s = new Socket(SocketType.Stream, ProtocolType.Tcp); s = (Socket)obj;" },
        { "method group", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); Action<Socket> a = Use; a(s);" },
        { "is type pattern", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); if (obj is Socket t) { s = t; }" },
        { "SafeHandle", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); var h = s.SafeHandle;" },
        { "implicitly typed array", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); var all = new[] { s };" },
        { "deconstruction", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); var (a, b) = (s, 1);" },
        { "LINQ Cast", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); var all = new List<Socket> { s }; var objs = all.Cast<object>();" },
        { "generic constraint BypassSocket does not meet", "var s = new Socket(SocketType.Stream, ProtocolType.Tcp); Constrained(s);" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Not_reported(string why, string body)
    {
        Assert.NotNull(why);
        await Verify.VerifyNoDiagnosticAsync(Id, TestProject.From(InMethod(body, """
            static void Use(Socket s) { }
            static void Take(Socket s, out Socket t) => t = s;
            static void Constrained<T>(T s) where T : Socket => s.Dispose();
            """)));
    }

    [Fact]
    public async Task The_same_template_is_reported_when_nothing_blocks()
    {
        // Control for the theory above: the template itself does not block anything.
        await Verify.VerifyDiagnosticsAsync(Id, TestProject.From(InMethod(
            "var [|s|] = [|new Socket(SocketType.Stream, ProtocolType.Tcp)|]; s.NoDelay = true; if (s != null && !(s is null)) { s?.Dispose(); } Use(s);",
            """
            static void Use([|Socket|] s) { }
            """)));
    }

    [Fact]
    public async Task Not_reported_without_a_reference_to_BypassNet()
    {
        var project = TestProject.From(InMethod("var s = new Socket(SocketType.Stream, ProtocolType.Tcp); s.Dispose();"));
        project.ReferenceBypassNet = false;
        await Verify.VerifyNoDiagnosticAsync(Id, project);
    }

    [Fact]
    public async Task Not_reported_for_the_public_API_of_a_library()
    {
        await Verify.VerifyNoDiagnosticAsync(Id, TestProject.From("""
            using System.Net.Sockets;

            public class Server
            {
                public Socket Listener { get; } = new Socket(SocketType.Stream, ProtocolType.Tcp);

                protected void Handle(Socket client) => client.Dispose();

                public void Run() => Handle(Listener.Accept());
            }
            """));
    }

    [Fact]
    public async Task A_library_s_public_API_migrates_when_the_api_surface_option_says_all()
    {
        const string Library = """
            using System.Net.Sockets;

            public class Server
            {
                public Socket Listener { get; } = new Socket(SocketType.Stream, ProtocolType.Tcp);

                protected void Handle(Socket client) => client.Dispose();

                public void Run() => Handle(Listener.Accept());
            }
            """;

        // By default BYP102 says why, and names the option.
        using var workspace = new Microsoft.CodeAnalysis.AdhocWorkspace();
        var diagnostics = await Verify.GetDiagnosticsAsync(TestProject.From(Library).Build(workspace));
        Assert.Contains(diagnostics, d => d.Id == "BYP102"
            && d.GetMessage().Contains("is part of the public API of this library (dotnet_code_quality.BYP100.api_surface = all migrates it)", StringComparison.Ordinal));

        var project = TestProject.From(Library);
        project.EditorConfig = "root = true\n\n[*.cs]\ndotnet_code_quality.BYP100.api_surface = all\n";
        string text = Assert.Single(await Verify.FixAllAndCompileAsync(Id, project, unreported: "BYP102"));
        Assert.Contains("public BypassSocket Listener { get; } = new BypassSocket(SocketType.Stream, ProtocolType.Tcp);", text, StringComparison.Ordinal);
        Assert.Contains("protected void Handle(BypassSocket client)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reported_for_the_public_API_of_an_application()
    {
        await Verify.VerifyDiagnosticsAsync(Id, TestProject.From("""
            using System.Net.Sockets;

            public class Server
            {
                public [|Socket|] Listener { get; } = [|new Socket(SocketType.Stream, ProtocolType.Tcp)|];

                public static void Main() => new Server().Listener.Dispose();
            }
            """).AsExecutable());
    }

    [Fact]
    public async Task Not_reported_when_the_interface_types_the_socket_through_a_type_argument()
    {
        // IHandler<T>.Handle(T) is implemented with T = Socket: the implementation cannot change alone, and the
        // interface does not name Socket. (The corrected twin, an interface naming Socket, is in BYP100_FamilyTests.)
        await Verify.VerifyNoDiagnosticAsync(Id, TestProject.From("""
            using System.Net.Sockets;

            interface IHandler<T> { void Handle(T s); }

            class Handler : IHandler<Socket>
            {
                public void Handle(Socket s) => s.Dispose();

                void Run() => Handle(new Socket(SocketType.Stream, ProtocolType.Tcp));
            }
            """));
    }

    [Fact]
    public async Task Not_reported_when_a_member_overrides_a_referenced_assembly()
    {
        // A Stream subclass whose override returns... no Socket-typed virtual exists in the BCL to override, so the
        // nearest real case: an implementation of an interface from a referenced assembly taking a Socket.
        var library = TestProject.From("""
            using System.Net.Sockets;

            public interface IExternalHandler { void Handle(Socket s); }
            """);
        using var workspace = new Microsoft.CodeAnalysis.AdhocWorkspace();
        var compilation = (await library.Build(workspace).GetCompilationAsync())!;
        using var image = new MemoryStream();
        Assert.True(compilation.Emit(image).Success);
        var project = TestProject.From("""
            using System.Net.Sockets;

            class Handler : IExternalHandler
            {
                public void Handle(Socket s) => s.Dispose();

                void Run() => Handle(new Socket(SocketType.Stream, ProtocolType.Tcp));
            }
            """);
        project.ExtraReferences.Add(Microsoft.CodeAnalysis.MetadataReference.CreateFromImage(image.ToArray()));
        await Verify.VerifyNoDiagnosticAsync(Id, project);
    }

    [Fact]
    public async Task Not_reported_for_a_Socket_that_was_not_created_here()
    {
        // No origin: the parameter could be any kind of socket.
        await Verify.VerifyNoDiagnosticAsync(Id, TestProject.From("""
            using System.Net.Sockets;

            class C
            {
                void Handle(Socket s) => s.Shutdown(SocketShutdown.Both);
            }
            """));
    }

    [Fact]
    public async Task Configurable_in_editorconfig()
    {
        const string source = """
            using System.Net.Sockets;

            class C
            {
                void M() => [|new Socket(SocketType.Stream, ProtocolType.Tcp)|].Dispose();
            }
            """;
        var off = TestProject.From(Markup.Parse(source).Text);
        off.EditorConfig = "root = true\n\n[*.cs]\ndotnet_diagnostic.BYP100.severity = none\n";
        await Verify.VerifyNoDiagnosticAsync(Id, off);

        var warning = TestProject.From(source);
        warning.EditorConfig = "root = true\n\n[*.cs]\ndotnet_diagnostic.BYP100.severity = warning\n";
        var diagnostics = await Verify.VerifyDiagnosticsAsync(Id, warning);
        Assert.All(diagnostics, d => Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, d.Severity));

        var byDefault = TestProject.From(source);
        var info = await Verify.VerifyDiagnosticsAsync(Id, byDefault);
        Assert.All(info, d => Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Info, d.Severity));
    }

    [Fact]
    public async Task A_file_configured_off_keeps_its_whole_group()
    {
        var project = TestProject.From(
            """
            using System.Net.Sockets;

            partial class Server
            {
                private readonly Socket _listener = new Socket(SocketType.Stream, ProtocolType.Tcp);

                void Start() => Configure(_listener);
            }
            """,
            """
            using System.Net.Sockets;

            partial class Server
            {
                static void Configure(Socket s) => s.NoDelay = true;
            }
            """,
            """
            using System.Net.Sockets;

            class Other
            {
                void M() => [|new Socket(SocketType.Stream, ProtocolType.Tcp)|].Dispose();
            }
            """);
        project.EditorConfig = "root = true\n\n[Test1.cs]\ndotnet_diagnostic.BYP100.severity = none\n";
        await Verify.VerifyDiagnosticsAsync(Id, project);
    }
}
