using System.Diagnostics;
using BypassNet.RespServer.Tests.Support;

namespace BypassNet.RespServer.Tests;

public sealed class ExpiryTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task A_key_set_with_px_disappears_after_its_time(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient client = await TestServers.ConnectAsync(server);

        var clock = Stopwatch.StartNew();
        Assert.Equal("OK", (await client.CommandAsync("SET", "short", "lived", "PX", "150")).Text);
        RespReply first = await client.CommandAsync("GET", "short");
        if (clock.ElapsedMilliseconds < 100)
        {
            // Only meaningful if the machine was not stalled for longer than the expiry itself.
            Assert.Equal("lived", first.BulkText);
            long pttl = (await client.CommandAsync("PTTL", "short")).Integer;
            Assert.InRange(pttl, 0, 150);
        }

        await PollUntilAsync(client, "GET", "short", reply => reply.IsNullBulk);
        Assert.True(clock.ElapsedMilliseconds >= 150, "expired early");
        Assert.Equal(-2, (await client.CommandAsync("TTL", "short")).Integer);
        Assert.Equal(0, (await client.CommandAsync("EXISTS", "short")).Integer);
    }

    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Expire_ttl_persist_and_keepttl_follow_redis(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient client = await TestServers.ConnectAsync(server);

        Assert.Equal(0, (await client.CommandAsync("EXPIRE", "none", "10")).Integer);
        Assert.Equal(-2, (await client.CommandAsync("TTL", "none")).Integer);
        await client.CommandAsync("SET", "k", "v");
        Assert.Equal(-1, (await client.CommandAsync("TTL", "k")).Integer);
        Assert.Equal(1, (await client.CommandAsync("EXPIRE", "k", "100")).Integer);
        Assert.InRange((await client.CommandAsync("TTL", "k")).Integer, 90, 100);
        Assert.Equal("OK", (await client.CommandAsync("SET", "k", "v2", "KEEPTTL")).Text);
        Assert.InRange((await client.CommandAsync("TTL", "k")).Integer, 90, 100);
        Assert.Equal(5, (await client.CommandAsync("INCRBY", "ctr", "5")).Integer);
        Assert.Equal(1, (await client.CommandAsync("PEXPIRE", "ctr", "100000")).Integer);
        Assert.Equal(6, (await client.CommandAsync("INCR", "ctr")).Integer);
        Assert.InRange((await client.CommandAsync("PTTL", "ctr")).Integer, 1, 100000);
        Assert.Equal(1, (await client.CommandAsync("PERSIST", "k")).Integer);
        Assert.Equal(-1, (await client.CommandAsync("TTL", "k")).Integer);
        Assert.Equal(0, (await client.CommandAsync("PERSIST", "k")).Integer);

        Assert.Equal("OK", (await client.CommandAsync("SET", "k", "v3", "EX", "50")).Text);
        Assert.Equal("OK", (await client.CommandAsync("SET", "k", "v4")).Text);
        Assert.Equal(-1, (await client.CommandAsync("TTL", "k")).Integer);

        // A deadline that is not in the future deletes the key at once.
        Assert.Equal(1, (await client.CommandAsync("EXPIRE", "k", "-1")).Integer);
        Assert.Equal(0, (await client.CommandAsync("EXISTS", "k")).Integer);
        Assert.Equal("ERR value is not an integer or out of range", (await client.CommandAsync("EXPIRE", "ctr", "soon")).Text);
    }

    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Expired_keys_nobody_reads_are_swept(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient client = await TestServers.ConnectAsync(server);
        for (int i = 0; i < 500; i++)
        {
            await client.SendAsync("SET", $"temp:{i}", "x", "PX", "50");
        }

        await client.SendAsync("SET", "stays", "x");
        for (int i = 0; i < 501; i++)
        {
            Assert.Equal("OK", (await client.ReadReplyAsync()).Text);
        }

        // DBSIZE does not touch the keys, so only the background sweep can bring it down.
        await PollUntilAsync(client, "DBSIZE", null, reply => reply.Integer == 1);
    }

    private static async Task PollUntilAsync(RespTestClient client, string command, string? key, Func<RespReply, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            RespReply reply = key is null ? await client.CommandAsync(command) : await client.CommandAsync(command, key);
            if (done(reply))
            {
                return;
            }

            Assert.True(clock.Elapsed < Deadline, $"{command} {key} still answered {reply} after {Deadline.TotalSeconds} s");
            await Task.Delay(20);
        }
    }
}
