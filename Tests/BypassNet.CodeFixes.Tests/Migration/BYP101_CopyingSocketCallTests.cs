using BypassNet.CodeFixes.Tests.Verifier;
using Microsoft.CodeAnalysis.CodeFixes;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.Migration.CopyingSocketCallAnalyzer,
    BypassNet.CodeFixes.Migration.CopyingSocketCallCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.Migration;

public class BYP101_CopyingSocketCallTests
{
    private const string Id = "BYP101";

    private static string Wrap(string members) => $$"""
        using System;
        using System.Net.Sockets;
        using System.Threading;
        using System.Threading.Tasks;
        using BypassNet;

        class Relay
        {
        {{members}}
        }
        """;

    [Fact]
    public async Task Reports_copying_calls_in_loops_only()
    {
        await Verify.VerifyDiagnosticsAsync(Id, TestProject.From(Wrap("""
                static async Task Copying(BypassSocket s, Socket plain, byte[] data, CancellationToken ct)
                {
                    await s.SendAsync(data.AsMemory(), ct);                       // not in a loop
                    for (int i = 0; i < 10; i++)
                    {
                        await [|s.SendAsync(data.AsMemory(), ct)|];
                        await [|s.SendAsync(new ArraySegment<byte>(data))|];
                        int n = await [|s.ReceiveAsync(data.AsMemory(), SocketFlags.None, ct)|];
                        await plain.SendAsync(data.AsMemory(), SocketFlags.None, ct); // not a BypassSocket
                        Func<Task> later = async () => await s.SendAsync(data.AsMemory(), ct); // runs outside the loop
                    }

                    do
                    {
                        using OwnedBuffer owned = await s.ReceiveAsync(ct);        // the owned overload
                    }
                    while (false);
                }
            """)));
    }

    [Fact]
    public async Task Fixes_a_receive_then_forward_loop()
    {
        string source = Wrap("""
                static async Task Forward(BypassSocket from, BypassSocket to, CancellationToken ct)
                {
                    var buffer = new byte[16 * 1024];
                    while (true)
                    {
                        int n = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, ct);
                        if (n == 0) break;
                        await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, ct);
                    }
                }
            """);
        string expected = Wrap("""
                static async Task Forward(BypassSocket from, BypassSocket to, CancellationToken ct)
                {
                    var buffer = new byte[16 * 1024];
                    while (true)
                    {
                        OwnedBuffer chunk = await from.ReceiveAsync(ct);
                        if (chunk.Length == 0)
                        {
                            chunk.Dispose();
                            break;
                        }
                        await to.SendAsync(chunk, ct);
                    }
                }
            """);
        await Verify.VerifyFixAsync(Id, TestProject.From(source), new[] { expected });
        await Verify.VerifyFixAsync(Id, TestProject.From(source), new[] { expected }, diagnosticIndex: 1);
    }

    [Fact]
    public async Task Fixes_range_and_ConfigureAwait_forms_and_fix_all_rewrites_each_loop_once()
    {
        string source = Wrap("""
                static async Task A(BypassSocket s, CancellationToken ct)
                {
                    byte[] buffer = new byte[4096];
                    while (true)
                    {
                        int read = await s.ReceiveAsync(buffer, ct).ConfigureAwait(false);
                        if (read <= 0)
                        {
                            return;
                        }

                        await s.SendAsync(buffer[..read], ct).ConfigureAwait(false);
                    }
                }

                static async Task B(BypassSocket a, BypassSocket b)
                {
                    Memory<byte> memory = new byte[4096];
                    for (;;)
                    {
                        var got = await a.ReceiveAsync(memory);
                        if (0 == got) break;
                        await b.SendAsync(memory.Slice(0, got));
                    }
                }
            """);
        string expected = Wrap("""
                static async Task A(BypassSocket s, CancellationToken ct)
                {
                    byte[] buffer = new byte[4096];
                    while (true)
                    {
                        OwnedBuffer chunk = await s.ReceiveAsync(ct).ConfigureAwait(false);
                        if (chunk.Length == 0)
                        {
                            chunk.Dispose();
                            return;
                        }

                        await s.SendAsync(chunk, ct).ConfigureAwait(false);
                    }
                }

                static async Task B(BypassSocket a, BypassSocket b)
                {
                    Memory<byte> memory = new byte[4096];
                    for (;;)
                    {
                        OwnedBuffer chunk = await a.ReceiveAsync();
                        if (chunk.Length == 0)
                        {
                            chunk.Dispose();
                            break;
                        }
                        await b.SendAsync(chunk);
                    }
                }
            """);
        await Verify.VerifyFixAllAsync(Id, TestProject.From(source), new[] { expected }, FixAllScope.Document);
    }

    public static TheoryData<string, string> NoFixCases => new()
    {
        { "count used elsewhere", "total += n;" },
        { "buffer read elsewhere", "Console.WriteLine(buffer[0]);" },
    };

    [Theory]
    [MemberData(nameof(NoFixCases))]
    public async Task No_fix_when_the_bytes_or_the_count_are_used_elsewhere(string why, string extra)
    {
        Assert.NotNull(why);
        await Verify.VerifyNoFixAsync(Id, TestProject.From(Wrap($$"""
                static async Task<long> Forward(BypassSocket from, BypassSocket to, CancellationToken ct)
                {
                    long total = 0;
                    var buffer = new byte[16 * 1024];
                    while (true)
                    {
                        int n = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, ct);
                        if (n == 0) break;
                        await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, ct);
                        {{extra}}
                    }

                    return total;
                }
            """)));
    }

    [Fact]
    public async Task No_fix_for_a_peek_a_partial_send_or_a_plain_copy_loop()
    {
        await Verify.VerifyNoFixAsync(Id, TestProject.From(Wrap("""
                static async Task Peek(BypassSocket from, BypassSocket to, byte[] payload, CancellationToken ct)
                {
                    var buffer = new byte[16];
                    while (true)
                    {
                        int n = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.Peek, ct);
                        if (n == 0) break;
                        await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, ct);
                    }

                    var other = new byte[16];
                    while (true)
                    {
                        int n = await from.ReceiveAsync(other, ct);
                        if (n == 0) break;
                        await to.SendAsync(other.AsMemory(1, n - 1), ct);
                    }

                    for (int i = 0; i < 3; i++)
                    {
                        await to.SendAsync(payload, ct);
                    }
                }
            """)));
    }
}
