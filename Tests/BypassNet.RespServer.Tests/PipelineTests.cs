using System.Globalization;
using System.Text;
using BypassNet.RespServer.Tests.Support;

namespace BypassNet.RespServer.Tests;

public sealed class PipelineTests
{
    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task A_pipeline_of_10000_commands_gets_10000_replies_in_order(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient client = await TestServers.ConnectAsync(server);
        const int commands = 10_000;
        using var batch = new MemoryStream();
        for (int i = 0; i < commands; i++)
        {
            batch.Write((i % 4) switch
            {
                0 => RespTestClient.Encode("SET", $"key:{i}", $"value:{i}"),
                1 => RespTestClient.Encode("GET", $"key:{i - 1}"),
                2 => RespTestClient.Encode("INCR", "counter"),
                _ => Encoding.ASCII.GetBytes("PING\r\n"),
            });
        }

        // All of it in one go: commands straddle every received buffer boundary.
        Task send = client.SendRawAsync(batch.ToArray());
        for (int i = 0; i < commands; i++)
        {
            RespReply reply = await client.ReadReplyAsync();
            switch (i % 4)
            {
                case 0:
                    Assert.Equal("OK", reply.Text);
                    break;
                case 1:
                    Assert.Equal($"value:{i - 1}", reply.BulkText);
                    break;
                case 2:
                    Assert.Equal((i / 4) + 1, reply.Integer);
                    break;
                default:
                    Assert.Equal("PONG", reply.Text);
                    break;
            }
        }

        await send;
        Assert.Equal((commands / 4).ToString(CultureInfo.InvariantCulture), (await client.CommandAsync("GET", "counter")).BulkText);
    }

    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task A_client_that_pipelines_then_half_closes_gets_every_reply_before_the_close(EngineKind engine)
    {
        // The server leaves its last reply in flight while it reads on; end of stream must not drop it.
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient client = await TestServers.ConnectAsync(server);
        const int commands = 20_000;
        using var batch = new MemoryStream();
        for (int i = 0; i < commands; i++)
        {
            batch.Write(RespTestClient.Encode("INCR", "n"));
        }

        Task send = Task.Run(async () =>
        {
            await client.SendRawAsync(batch.ToArray());
            client.ShutdownSend();
        });
        for (int i = 1; i <= commands; i++)
        {
            Assert.Equal(i, (await client.ReadReplyAsync()).Integer);
        }

        await send;
        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(30)), "the server did not close after the client's end of stream");
    }

    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Commands_arriving_one_byte_at_a_time_are_parsed(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient client = await TestServers.ConnectAsync(server);
        byte[] bytes = [.. RespTestClient.Encode("SET", "slow", "drip"), .. "GET slow\r\n"u8, .. RespTestClient.Encode("ECHO", "done")];
        for (int i = 0; i < bytes.Length; i++)
        {
            await client.SendRawAsync(bytes.AsMemory(i, 1));
        }

        Assert.Equal("OK", (await client.ReadReplyAsync()).Text);
        Assert.Equal("drip", (await client.ReadReplyAsync()).BulkText);
        Assert.Equal("done", (await client.ReadReplyAsync()).BulkText);
    }

    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Nothing_after_quit_or_a_framing_error_runs_even_when_cut_across_buffers(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        byte[] padding = new byte[40_000];
        await using (RespTestClient client = await TestServers.ConnectAsync(server))
        {
            // A big value first, so QUIT arrives in a later buffer than the command before it started in.
            await client.SendRawAsync((byte[])[.. RespTestClient.Encode("SET"u8.ToArray(), "a"u8.ToArray(), padding), .. RespTestClient.Encode("QUIT"), .. RespTestClient.Encode("SET", "b", "2")]);
            Assert.Equal("OK", (await client.ReadReplyAsync()).Text);
            Assert.Equal("OK", (await client.ReadReplyAsync()).Text);
            Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        }

        await using (RespTestClient client = await TestServers.ConnectAsync(server))
        {
            await client.SendRawAsync((byte[])[.. RespTestClient.Encode("SET"u8.ToArray(), "c"u8.ToArray(), padding), .. "*1\r\n$x\r\n"u8, .. RespTestClient.Encode("SET", "d", "4")]);
            Assert.Equal("OK", (await client.ReadReplyAsync()).Text);
            Assert.Equal("ERR Protocol error: invalid bulk length", (await client.ReadReplyAsync()).Text);
            Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        }

        await using RespTestClient check = await TestServers.ConnectAsync(server);
        RespReply values = await check.CommandAsync("MGET", "a", "b", "c", "d");
        Assert.Equal(padding.Length, values.Items![0].Bulk!.Length);
        Assert.True(values.Items[1].IsNullBulk);
        Assert.Equal(padding.Length, values.Items[2].Bulk!.Length);
        Assert.True(values.Items[3].IsNullBulk);
    }
}
