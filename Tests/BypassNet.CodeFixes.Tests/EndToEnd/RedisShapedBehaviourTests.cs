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
/// The Redis-shaped program (<see cref="RedisShapedProgram"/>) before and after BYP100's Fix All, compiled and run in
/// this process against real loopback clients on System.Net.Sockets: a primary, a replica that connects out to it,
/// two clients with a subscription. The transcript of replies must be identical, and the migrated program runs on
/// BypassNet (on io_uring where this kernel has it).
/// </summary>
public class RedisShapedBehaviourTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);
    private readonly ITestOutputHelper _output;

    public RedisShapedBehaviourTests(ITestOutputHelper output) => _output = output;

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task The_migrated_Redis_shaped_server_replies_the_same_to_real_clients()
    {
        CompiledProgram.Comparison result = await CompiledProgram.CompareBeforeAndAfterAsync(RedisShapedProgram.Sources(), "MiniRedis", "MiniRedis.Program", RunAsync);
        _output.WriteLine(string.Join("\n", result.Transcript));
        string[] migratedSources = result.MigratedSources;
        Assert.Contains(migratedSources, s => s.Contains("ConcurrentDictionary<BypassSocket, ClientState>", StringComparison.Ordinal));
        Assert.Contains("replica: v1", result.Transcript);
    }

    /// <summary>Drives the server with plain sockets and returns every reply, in order.</summary>
    private static async Task<List<string>> RunAsync(Type program)
    {
        using var timeout = new CancellationTokenSource(s_bound);
        CancellationToken ct = timeout.Token;
        var transcript = new List<string>();
        int port = (int)program.GetMethod("StartPrimary")!.Invoke(null, null)!;
        var replica = (Task)program.GetMethod("StartReplica")!.Invoke(null, new object[] { port })!;
        try
        {
            using var first = await Client.ConnectAsync(port, ct);
            using var second = await Client.ConnectAsync(port, ct);

            // Wait until the replica's REPLCONF is in, so the SET below is forwarded to it.
            while (await first.AskAsync("REPLICACOUNT", ct) != "1")
            {
                await Task.Delay(10, ct);
            }

            foreach (string command in new[]
            {
                "PING", "ECHO hello  world", "SET k v1", "GET k", "INCR n", "INCR n", "APPEND k 23", "STRLEN k", "EXISTS k",
                "GET missing", "NOPE x", "CLIENTCOUNT",
            })
            {
                transcript.Add(command + " -> " + await first.AskAsync(command, ct));
            }

            transcript.Add("SUBSCRIBE news -> " + await second.AskAsync("SUBSCRIBE news", ct));
            transcript.Add("PUBLISH news hi -> " + await first.AskAsync("PUBLISH news hi", ct));
            transcript.Add("subscriber got -> " + await second.ReadLineAsync(ct));
            transcript.Add("DEL k -> " + await first.AskAsync("DEL k", ct) + ", then " + await first.AskAsync("EXISTS k", ct));

            string? replicated;
            while ((replicated = (string?)program.GetMethod("Replicated")!.Invoke(null, new object[] { "k" })) is null)
            {
                await Task.Delay(10, ct);
            }

            transcript.Add("replica: " + replicated);
        }
        finally
        {
            program.GetMethod("Stop")!.Invoke(null, null);
        }

        // The primary shut the replica's link down: the replica sees end of stream and stops.
        await replica.WaitAsync(ct);
        return transcript;
    }

    /// <summary>A line-protocol client on System.Net.Sockets: the real peer the server talks to.</summary>
    private sealed class Client : IDisposable
    {
        private readonly Socket _socket;
        private readonly StringBuilder _pending = new();

        private Client(Socket socket) => _socket = socket;

        public static async Task<Client> ConnectAsync(int port, CancellationToken ct)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
            return new Client(socket);
        }

        public async Task<string> AskAsync(string command, CancellationToken ct)
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(command + "\n"), SocketFlags.None, ct);
            return await ReadLineAsync(ct);
        }

        public async Task<string> ReadLineAsync(CancellationToken ct)
        {
            var buffer = new byte[1024];
            while (true)
            {
                string text = _pending.ToString();
                int newline = text.IndexOf('\n', StringComparison.Ordinal);
                if (newline >= 0)
                {
                    _pending.Remove(0, newline + 1);
                    return text[..newline];
                }

                int read = await _socket.ReceiveAsync(buffer, SocketFlags.None, ct);
                if (read == 0)
                {
                    throw new EndOfStreamException("the server closed the connection");
                }

                _pending.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }

        public void Dispose() => _socket.Dispose();
    }
}
