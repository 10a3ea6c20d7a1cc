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
        { "buffer read elsewhere", "Console.WriteLine(buffer[0]);" },
        { "a continue skips the send", "if (n == 1) continue;" },
    };

    [Theory]
    [MemberData(nameof(NoFixCases))]
    public async Task No_fix_when_the_bytes_are_used_elsewhere_or_a_jump_skips_the_send(string why, string extra)
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
                        {{extra}}
                        await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, ct);
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

    [Fact]
    public async Task Fixes_the_ArraySegment_loop_with_work_between_receive_and_send_and_keeps_the_count()
    {
        // The most common shape in the wild: ReceiveAsync(byte[], SocketFlags.None) binds to the ArraySegment overload,
        // the count is logged and summed, and the send wraps the prefix in an ArraySegment.
        string source = Wrap("""
                static async Task<long> Proxy(BypassSocket client, BypassSocket upstream)
                {
                    long total = 0;
                    byte[] buffer = new byte[8192];
                    while (true)
                    {
                        int read = await client.ReceiveAsync(buffer, SocketFlags.None);
                        if (read == 0)
                            break;
                        total += read;
                        await upstream.SendAsync(new ArraySegment<byte>(buffer, 0, read), SocketFlags.None);
                        Console.WriteLine($"{read} bytes");
                    }

                    return total;
                }
            """);
        string expected = Wrap("""
                static async Task<long> Proxy(BypassSocket client, BypassSocket upstream)
                {
                    long total = 0;
                    while (true)
                    {
                        OwnedBuffer chunk = await client.ReceiveAsync();
                        if (chunk.Length == 0)
                        {
                            chunk.Dispose();
                            break;
                        }

                        int read = chunk.Length;
                        try
                        {
                            total += read;
                        }
                        catch
                        {
                            chunk.Dispose();
                            throw;
                        }

                        await upstream.SendAsync(chunk);
                        Console.WriteLine($"{read} bytes");
                    }

                    return total;
                }
            """);
        await Verify.VerifyFixAsync(Id, TestProject.From(source), new[] { expected });
        await BYP101_OwnershipCleanTests.AssertOwnershipCleanAsync(expected);
    }

    [Fact]
    public async Task Fixes_the_while_condition_loop()
    {
        string source = Wrap("""
                static async Task Pipe(BypassSocket from, BypassSocket to, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    int read;
                    while ((read = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, ct)) > 0)
                    {
                        await to.SendAsync(buffer[..read], SocketFlags.None, ct);
                    }

                    to.Shutdown(SocketShutdown.Send);
                }
            """);
        string expected = Wrap("""
                static async Task Pipe(BypassSocket from, BypassSocket to, CancellationToken ct)
                {
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

                    to.Shutdown(SocketShutdown.Send);
                }
            """);
        await Verify.VerifyFixAsync(Id, TestProject.From(source), new[] { expected });
        await BYP101_OwnershipCleanTests.AssertOwnershipCleanAsync(expected);
    }

    [Fact]
    public async Task No_fix_when_the_while_count_is_read_after_the_loop()
    {
        await Verify.VerifyNoFixAsync(Id, TestProject.From(Wrap("""
                static async Task<int> Pipe(BypassSocket from, BypassSocket to)
                {
                    var buffer = new byte[4096];
                    int read;
                    while ((read = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                    {
                        await to.SendAsync(buffer.AsMemory(0, read));
                    }

                    return read;
                }
            """)));
    }
}
