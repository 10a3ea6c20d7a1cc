using BypassNet.Analyzers.Migration;
using BypassNet.CodeFixes.Migration;
using BypassNet.CodeFixes.Tests.Verifier;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.Migration.SocketMigrationAnalyzer,
    BypassNet.CodeFixes.Migration.SocketMigrationCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.Migration;

public class BYP100_SocketMigrationTests
{
    private const string Id = "BYP100";

    [Fact]
    public async Task Reports_a_var_local_and_its_creation()
    {
        await Verify.VerifyDiagnosticsAsync(Id, TestProject.From("""
            using System.Net.Sockets;

            class C
            {
                void M()
                {
                    var [|s|] = [|new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)|];
                    s.NoDelay = true;
                    s.Dispose();
                }
            }
            """));
    }

    [Fact]
    public async Task Fixes_a_local_keeping_trivia_and_adding_the_using()
    {
        await Verify.VerifyFixAsync(Id, TestProject.From("""
            using System.Net;
            using System.Net.Sockets;

            class C
            {
                void M()
                {
                    Socket /* keep */ s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp); // trailing
                    s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                    s.Listen(10);
                    s.Close();
                }
            }
            """), new[] { """
            using System.Net;
            using System.Net.Sockets;
            using BypassNet;

            class C
            {
                void M()
                {
                    BypassSocket /* keep */ s = new BypassSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp); // trailing
                    s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                    s.Listen(10);
                    s.Close();
                }
            }
            """ });
    }
}
