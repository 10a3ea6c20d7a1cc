using System.Text;
using BypassNet.RespServer.Tests.Support;

namespace BypassNet.RespServer.Tests;

public sealed class MalformedInputTests
{
    /// <summary>Framing the server cannot resynchronise after: it replies -ERR, then closes.</summary>
    public static TheoryData<EngineKind, string> FatalCases => Cross(
        "multibulk length not a number",
        "negative multibulk length",
        "multibulk length of a null array",
        "huge multibulk length",
        "bulk length not a number",
        "negative bulk length",
        "bulk string over 512 MB",
        "bulk length overflowing 64 bits",
        "integer where a bulk string belongs",
        "bulk string without its CRLF",
        "binary garbage without a newline past 64 KiB",
        "multibulk header line past 64 KiB");

    /// <summary>Nonsense that still frames as a command: the server replies -ERR and the connection stays usable.</summary>
    public static TheoryData<EngineKind, string> RecoverableCases => Cross(
        "unknown command",
        "unknown command with control bytes",
        "binary garbage lines",
        "wrong number of arguments",
        "bulk string at top level");

    [Theory]
    [MemberData(nameof(FatalCases))]
    public async Task Broken_framing_gets_an_error_then_the_connection_closes_and_the_server_stays_up(EngineKind engine, string name)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient bystander = await TestServers.ConnectAsync(server);
        Assert.Equal("OK", (await bystander.CommandAsync("SET", "before", "1")).Text);

        await using (RespTestClient bad = await TestServers.ConnectAsync(server))
        {
            await bad.SendRawAsync(Input(name));
            RespReply reply = await bad.ReadReplyAsync();
            Assert.True(reply.IsError, $"{name}: expected an error, got {reply}");
            Assert.StartsWith("ERR Protocol error", reply.Text);
            Assert.True(await bad.WaitForCloseAsync(TimeSpan.FromSeconds(10)), $"{name}: the connection stayed open");
        }

        await AssertServerHealthyAsync(server, bystander);
    }

    [Theory]
    [MemberData(nameof(RecoverableCases))]
    public async Task Nonsense_commands_get_an_error_and_the_connection_keeps_working(EngineKind engine, string name)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient bystander = await TestServers.ConnectAsync(server);
        Assert.Equal("OK", (await bystander.CommandAsync("SET", "before", "1")).Text);

        await using (RespTestClient bad = await TestServers.ConnectAsync(server))
        {
            await bad.SendRawAsync(Input(name));
            int errors = name == "binary garbage lines" ? 2 : 1;
            for (int i = 0; i < errors; i++)
            {
                RespReply reply = await bad.ReadReplyAsync();
                Assert.True(reply.IsError, $"{name}: expected an error, got {reply}");
                Assert.StartsWith("ERR ", reply.Text);
            }

            Assert.Equal("PONG", (await bad.CommandAsync("PING")).Text);
        }

        await AssertServerHealthyAsync(server, bystander);
    }

    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Random_garbage_from_many_clients_never_takes_the_server_down(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient bystander = await TestServers.ConnectAsync(server);
        Assert.Equal("OK", (await bystander.CommandAsync("SET", "before", "1")).Text);
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async seed =>
        {
            var random = new Random(seed);
            byte[] garbage = new byte[random.Next(1, 200_000)];
            random.NextBytes(garbage);
            if (seed % 2 == 0)
            {
                // Half of them start like a real command, so the garbage hits the multibulk parser.
                "*3\r\n$3\r\nSET\r\n"u8.CopyTo(garbage);
            }

            await using RespTestClient client = await TestServers.ConnectAsync(server);
            try
            {
                await client.SendRawAsync(garbage);
                await client.WaitForCloseAsync(TimeSpan.FromMilliseconds(300));
            }
            catch (System.Net.Sockets.SocketException)
            {
                // The server may close on the first bad byte while the rest is still being sent.
            }
        }));

        await AssertServerHealthyAsync(server, bystander);
    }

    private static async Task AssertServerHealthyAsync(Samples.Resp.RespServer server, RespTestClient bystander)
    {
        // Other connections are unaffected, and new ones are served.
        Assert.Equal("1", (await bystander.CommandAsync("GET", "before")).BulkText);
        await using RespTestClient fresh = await TestServers.ConnectAsync(server);
        Assert.Equal("PONG", (await fresh.CommandAsync("PING")).Text);
    }

    private static byte[] Input(string name) => name switch
    {
        "multibulk length not a number" => "*abc\r\n"u8.ToArray(),
        "negative multibulk length" => "*-5\r\n$4\r\nPING\r\n"u8.ToArray(),
        "multibulk length of a null array" => "*-1\r\n"u8.ToArray(),
        "huge multibulk length" => "*99999999999\r\n"u8.ToArray(),
        "bulk length not a number" => "*1\r\n$four\r\nPING\r\n"u8.ToArray(),
        "negative bulk length" => "*1\r\n$-3\r\n"u8.ToArray(),
        "bulk string over 512 MB" => "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870913\r\n"u8.ToArray(),
        "bulk length overflowing 64 bits" => "*1\r\n$99999999999999999999999\r\n"u8.ToArray(),
        "integer where a bulk string belongs" => "*2\r\n$3\r\nGET\r\n:5\r\n"u8.ToArray(),
        "bulk string without its CRLF" => "*1\r\n$4\r\nPINGxx\r\n"u8.ToArray(),
        "binary garbage without a newline past 64 KiB" => Garbage(70_000, newlines: false),
        "multibulk header line past 64 KiB" => [(byte)'*', .. Enumerable.Repeat((byte)'1', 70_000)],
        "unknown command" => RespTestClient.Encode("FROBNICATE", "a", "b"),
        "unknown command with control bytes" => RespTestClient.Encode("\r\nBAD\0\x7f", "\u00ff\r\n"),
        "binary garbage lines" => [.. Garbage(300, newlines: false), (byte)'\n', .. Garbage(50, newlines: false), (byte)'\r', (byte)'\n'],
        "wrong number of arguments" => RespTestClient.Encode("GET"),
        "bulk string at top level" => "$4\r\n"u8.ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static byte[] Garbage(int size, bool newlines)
    {
        byte[] bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        for (int i = 0; i < bytes.Length; i++)
        {
            if (!newlines && bytes[i] == (byte)'\n')
            {
                bytes[i] = 0;
            }
        }

        if (bytes[0] == (byte)'*')
        {
            bytes[0] = 0;
        }

        return bytes;
    }

    private static TheoryData<EngineKind, string> Cross(params string[] names)
    {
        var data = new TheoryData<EngineKind, string>();
        foreach (EngineKind engine in new[] { EngineKind.IoUring, EngineKind.Socket })
        {
            foreach (string name in names)
            {
                data.Add(engine, name);
            }
        }

        return data;
    }
}
