using System.Text;
using BypassNet.RespServer.Tests.Support;

namespace BypassNet.RespServer.Tests;

public sealed class CommandTests
{
    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Ping_echo_and_connection_commands_answer_like_redis(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient client = await TestServers.ConnectAsync(server);

        Assert.Equal("PONG", (await client.CommandAsync("PING")).Text);
        Assert.Equal("hello", (await client.CommandAsync("ping", "hello")).BulkText);
        Assert.Equal("with spaces\r\n", (await client.CommandAsync("ECHO", "with spaces\r\n")).BulkText);
        Assert.StartsWith("ERR wrong number of arguments for 'echo'", (await client.CommandAsync("ECHO")).Text);
        Assert.Equal("OK", (await client.CommandAsync("SELECT", "0")).Text);
        Assert.True((await client.CommandAsync("SELECT", "1")).IsError);

        RespReply docs = await client.CommandAsync("COMMAND", "DOCS");
        Assert.Equal('*', docs.Type);
        Assert.Empty(docs.Items!);
        Assert.Equal('*', (await client.CommandAsync("COMMAND")).Type);

        RespReply config = await client.CommandAsync("CONFIG", "GET", "save");
        Assert.Equal(["save", ""], config.Items!.Select(i => i.BulkText));

        Assert.Equal("OK", (await client.CommandAsync("QUIT")).Text);
        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Set_get_del_exists_mget_mset_flushall(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient client = await TestServers.ConnectAsync(server);

        Assert.True((await client.CommandAsync("GET", "missing")).IsNullBulk);
        Assert.Equal("OK", (await client.CommandAsync("SET", "k", "v1")).Text);
        Assert.Equal("v1", (await client.CommandAsync("GET", "k")).BulkText);
        Assert.Equal("OK", (await client.CommandAsync("set", "k", "a much longer value than before")).Text);
        Assert.Equal("a much longer value than before", (await client.CommandAsync("get", "k")).BulkText);
        Assert.Equal("OK", (await client.CommandAsync("SET", "k", "v")).Text);
        Assert.Equal("v", (await client.CommandAsync("GET", "k")).BulkText);

        Assert.Equal("OK", (await client.CommandAsync("MSET", "a", "1", "b", "2", "c", "3")).Text);
        RespReply values = await client.CommandAsync("MGET", "a", "nope", "c", "k");
        Assert.Equal(["1", null, "3", "v"], values.Items!.Select(i => i.BulkText));
        Assert.True((await client.CommandAsync("MSET", "a", "1", "b")).IsError);

        Assert.Equal(3, (await client.CommandAsync("EXISTS", "a", "a", "b")).Integer);
        Assert.Equal(2, (await client.CommandAsync("DEL", "a", "b", "nope")).Integer);
        Assert.Equal(0, (await client.CommandAsync("EXISTS", "a", "b")).Integer);
        Assert.Equal(2, (await client.CommandAsync("DBSIZE")).Integer);

        Assert.Equal("OK", (await client.CommandAsync("FLUSHALL")).Text);
        Assert.Equal(0, (await client.CommandAsync("DBSIZE")).Integer);
        Assert.True((await client.CommandAsync("GET", "k")).IsNullBulk);
    }

    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Set_nx_and_xx_write_only_when_the_condition_holds(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient client = await TestServers.ConnectAsync(server);

        Assert.True((await client.CommandAsync("SET", "k", "x", "XX")).IsNullBulk);
        Assert.True((await client.CommandAsync("GET", "k")).IsNullBulk);
        Assert.Equal("OK", (await client.CommandAsync("SET", "k", "first", "NX")).Text);
        Assert.True((await client.CommandAsync("SET", "k", "second", "nx")).IsNullBulk);
        Assert.Equal("first", (await client.CommandAsync("GET", "k")).BulkText);
        Assert.Equal("OK", (await client.CommandAsync("SET", "k", "third", "XX")).Text);
        Assert.Equal("third", (await client.CommandAsync("GET", "k")).BulkText);

        Assert.Equal("ERR syntax error", (await client.CommandAsync("SET", "k", "v", "NX", "XX")).Text);
        Assert.Equal("ERR syntax error", (await client.CommandAsync("SET", "k", "v", "BOGUS")).Text);
        Assert.Equal("ERR syntax error", (await client.CommandAsync("SET", "k", "v", "EX")).Text);
        Assert.Equal("ERR syntax error", (await client.CommandAsync("SET", "k", "v", "EX", "10", "PX", "100")).Text);
        Assert.Equal("ERR value is not an integer or out of range", (await client.CommandAsync("SET", "k", "v", "EX", "ten")).Text);
        Assert.Equal("ERR invalid expire time in 'set' command", (await client.CommandAsync("SET", "k", "v", "PX", "0")).Text);
        Assert.Equal("ERR invalid expire time in 'set' command", (await client.CommandAsync("SET", "k", "v", "EX", "-5")).Text);
        Assert.Equal("ERR invalid expire time in 'set' command", (await client.CommandAsync("SET", "k", "v", "EX", "9223372036854775807")).Text);
        Assert.Equal("third", (await client.CommandAsync("GET", "k")).BulkText);
    }

    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Incr_decr_incrby_count_and_reject_non_integers_and_overflow(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient client = await TestServers.ConnectAsync(server);

        Assert.Equal(1, (await client.CommandAsync("INCR", "n")).Integer);
        Assert.Equal(2, (await client.CommandAsync("INCR", "n")).Integer);
        Assert.Equal(1, (await client.CommandAsync("DECR", "n")).Integer);
        Assert.Equal(101, (await client.CommandAsync("INCRBY", "n", "100")).Integer);
        Assert.Equal(-899, (await client.CommandAsync("DECRBY", "n", "1000")).Integer);
        Assert.Equal("-899", (await client.CommandAsync("GET", "n")).BulkText);
        Assert.Equal(-1, (await client.CommandAsync("DECR", "fresh")).Integer);

        await client.CommandAsync("SET", "s", "abc");
        Assert.Equal("ERR value is not an integer or out of range", (await client.CommandAsync("INCR", "s")).Text);
        Assert.Equal("ERR value is not an integer or out of range", (await client.CommandAsync("INCRBY", "n", "1.5")).Text);
        Assert.Equal("ERR value is not an integer or out of range", (await client.CommandAsync("INCRBY", "n", "99999999999999999999")).Text);

        await client.CommandAsync("SET", "max", long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("ERR increment or decrement would overflow", (await client.CommandAsync("INCR", "max")).Text);
        Assert.Equal(long.MaxValue - 1, (await client.CommandAsync("DECR", "max")).Integer);
        Assert.Equal("ERR wrong number of arguments for 'incr' command", (await client.CommandAsync("INCR")).Text);
    }

    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Inline_commands_work_like_multibulk_ones(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient client = await TestServers.ConnectAsync(server);

        await client.SendRawAsync(Encoding.ASCII.GetBytes("PING\r\nSET  inline   value\r\n\r\nGET inline\nEXISTS\tinline\r\n"));
        Assert.Equal("PONG", (await client.ReadReplyAsync()).Text);
        Assert.Equal("OK", (await client.ReadReplyAsync()).Text);
        Assert.Equal("value", (await client.ReadReplyAsync()).BulkText);
        Assert.Equal(1, (await client.ReadReplyAsync()).Integer);
        Assert.Equal("value", (await client.CommandAsync("GET", "inline")).BulkText);
    }

    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Many_clients_at_once_each_see_their_own_results(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        const int clients = 24;
        const int rounds = 300;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            await using RespTestClient client = await TestServers.ConnectAsync(server);
            for (int i = 0; i < rounds; i++)
            {
                string key = $"client{c}:{i % 10}";
                string value = $"{c}-{i}";
                Assert.Equal("OK", (await client.CommandAsync("SET", key, value)).Text);
                Assert.Equal(value, (await client.CommandAsync("GET", key)).BulkText);
                Assert.Equal(i + 1, (await client.CommandAsync("INCR", $"counter{c}")).Integer);
            }
        }));

        await using RespTestClient check = await TestServers.ConnectAsync(server);
        Assert.Equal((clients * 10) + clients, (await check.CommandAsync("DBSIZE")).Integer);
    }
}
