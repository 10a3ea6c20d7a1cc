using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using BypassNet.CodeFixes.Tests.Migration;
using BypassNet.CodeFixes.Tests.Verifier;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Xunit.Abstractions;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.Migration.SocketMigrationAnalyzer,
    BypassNet.CodeFixes.Migration.SocketMigrationCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.EndToEnd;

/// <summary>
/// The TcpListener program (<see cref="ListenerShapedProgram"/>) before and after BYP100's Fix All, compiled and run in
/// this process: RESP clients on System.Net.Sockets, and redis-cli where it is installed, get the same replies from
/// both, the migrated one answers through BypassNet, and stopping it ends its blocking accept thread.
/// </summary>
public class ListenerProgramBehaviourTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);
    private readonly ITestOutputHelper _output;

    public ListenerProgramBehaviourTests(ITestOutputHelper output) => _output = output;

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task The_migrated_TcpListener_server_replies_the_same_to_real_clients_and_stops()
    {
        CompiledProgram.Comparison result = await CompiledProgram.CompareBeforeAndAfterAsync(ListenerShapedProgram.Sources(), "ListenerRedis", "ListenerRedis.Server", RunAsync);
        _output.WriteLine(string.Join("\n", result.Transcript));
        string[] migratedSources = result.MigratedSources;
        Assert.Contains("BypassTcpListener server = new BypassTcpListener(IPAddress.Loopback, 0);", migratedSources[0], StringComparison.Ordinal);
        Assert.Contains("private readonly BypassSocket _socket;", migratedSources[1], StringComparison.Ordinal);
    }

    private async Task<List<string>> RunAsync(Type server)
    {
        using var timeout = new CancellationTokenSource(s_bound);
        CancellationToken ct = timeout.Token;
        int port = (int)server.GetMethod("Start")!.Invoke(null, null)!;
        var transcript = new List<string>();
        try
        {
            using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await first.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
            using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await second.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);

            transcript.Add(await AskAsync(first, ct, "PING"));
            transcript.Add(await AskAsync(second, ct, "ECHO", "hello world"));
            transcript.Add(await AskAsync(first, ct, "SET", "k", "v1"));
            transcript.Add(await AskAsync(second, ct, "GET", "k"));
            transcript.Add(await AskAsync(first, ct, "SET", "short", "x", "PX", "1"));
            await Task.Delay(20, ct);
            transcript.Add(await AskAsync(second, ct, "GET", "short"));
            transcript.Add(await AskAsync(first, ct, "NOPE"));

            // Two commands in one segment (a pipelining client), then one split across two segments.
            transcript.Add(await ExchangeAsync(first, ct, Command("SET", "a", "1") + Command("GET", "a"), replies: 2));
            string split = Command("GET", "k");
            await first.SendAsync(Encoding.UTF8.GetBytes(split[..5]), SocketFlags.None, ct);
            await Task.Delay(20, ct);
            transcript.Add(await ExchangeAsync(first, ct, split[5..], replies: 1));

            if (FindOnPath("redis-cli") is { } cli)
            {
                transcript.Add("redis-cli: " + await RedisCliAsync(cli, port, "PING") + " " + await RedisCliAsync(cli, port, "GET", "k"));
            }
            else
            {
                _output.WriteLine("redis-cli not installed (Debian package redis-tools): the stock clients alone drove this run");
            }
        }
        finally
        {
            // Stop() closes the listener and joins the thread blocked in AcceptSocket(): it must return.
            var stopping = Task.Run(() => server.GetMethod("Stop")!.Invoke(null, null));
            await stopping.WaitAsync(s_bound);
        }

        return transcript;
    }

    private static string Command(params string[] parts)
    {
        var text = new StringBuilder().Append('*').Append(parts.Length).Append("\r\n");
        foreach (string part in parts)
        {
            text.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        }

        return text.ToString();
    }

    private static Task<string> AskAsync(Socket client, CancellationToken ct, params string[] parts) => ExchangeAsync(client, ct, Command(parts), replies: 1);

    /// <summary>Sends <paramref name="request"/> and reads until <paramref name="replies"/> complete RESP replies are in.</summary>
    private static async Task<string> ExchangeAsync(Socket client, CancellationToken ct, string request, int replies)
    {
        await client.SendAsync(Encoding.UTF8.GetBytes(request), SocketFlags.None, ct);
        var received = new StringBuilder();
        var buffer = new byte[1024];
        while (CompleteReplies(received.ToString()) < replies)
        {
            int n = await client.ReceiveAsync(buffer, SocketFlags.None, ct);
            Assert.True(n > 0, "the server closed the connection");
            received.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }

        return received.ToString().Replace("\r\n", "\\r\\n", StringComparison.Ordinal);
    }

    // Simple strings, errors, integers and bulk strings: what this server replies.
    private static int CompleteReplies(string text)
    {
        int count = 0;
        int position = 0;
        while (true)
        {
            int end = text.IndexOf("\r\n", position, StringComparison.Ordinal);
            if (end < 0)
            {
                return count;
            }

            if (text[position] == '$' && int.Parse(text.AsSpan(position + 1, end - position - 1)) is int length && length >= 0)
            {
                if (end + 2 + length + 2 > text.Length)
                {
                    return count;
                }

                end += 2 + length;
            }

            position = end + 2;
            count++;
        }
    }

    private static async Task<string> RedisCliAsync(string cli, int port, params string[] arguments)
    {
        var start = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(s_bound).Token);
        Assert.Equal(0, process.ExitCode);
        return output.Trim();
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
