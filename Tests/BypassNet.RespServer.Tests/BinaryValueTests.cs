using System.Text;
using BypassNet.RespServer.Tests.Support;

namespace BypassNet.RespServer.Tests;

public sealed class BinaryValueTests
{
    /// <summary>Sizes around the 16 KiB receive slots, the 64 KiB send buffers and the 16 KiB by-reference threshold.</summary>
    private static readonly int[] s_sizes =
    [
        0, 1, 2, 13, 100, 4095, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 65535, 65536, 65537, 100_000, 1 << 20, 8 << 20,
    ];

    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Set_then_get_returns_binary_values_byte_for_byte_from_0_bytes_to_8_MB(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient client = await TestServers.ConnectAsync(server);
        var random = new Random(42);
        foreach (int size in s_sizes)
        {
            byte[] value = RandomValue(random, size);
            byte[] key = [0, 13, 10, (byte)'$', 255, .. Encoding.ASCII.GetBytes($"bin:{size}")];
            Assert.Equal("OK", (await client.CommandAsync("SET"u8.ToArray(), key, value)).Text);
            RespReply reply = await client.CommandAsync("GET"u8.ToArray(), key);
            Assert.NotNull(reply.Bulk);
            Assert.Equal(value.Length, reply.Bulk.Length);
            Assert.True(value.AsSpan().SequenceEqual(reply.Bulk), $"value of {size} bytes came back different");
        }

        // Overwrite a large value with a small one and back: nothing of the old value may leak into the new.
        byte[] small = RandomValue(random, 10);
        await client.CommandAsync("SET"u8.ToArray(), "bin:8388608"u8.ToArray(), small);
        Assert.Equal(small, (await client.CommandAsync("GET", "bin:8388608")).Bulk);
    }

    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Large_values_pipelined_with_other_commands_keep_their_order(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient client = await TestServers.ConnectAsync(server);
        var random = new Random(7);
        byte[] big = RandomValue(random, 3 << 20);
        byte[] medium = RandomValue(random, 40_000);
        using var batch = new MemoryStream();
        batch.Write(RespTestClient.Encode("SET"u8.ToArray(), "big"u8.ToArray(), big));
        batch.Write(RespTestClient.Encode("SET"u8.ToArray(), "medium"u8.ToArray(), medium));
        batch.Write(RespTestClient.Encode("GET", "big"));
        batch.Write(RespTestClient.Encode("PING"));
        batch.Write(RespTestClient.Encode("MGET", "medium", "big", "none", "medium"));
        batch.Write(RespTestClient.Encode("GET", "medium"));
        await client.SendRawAsync(batch.ToArray());

        Assert.Equal("OK", (await client.ReadReplyAsync()).Text);
        Assert.Equal("OK", (await client.ReadReplyAsync()).Text);
        Assert.Equal(big, (await client.ReadReplyAsync()).Bulk);
        Assert.Equal("PONG", (await client.ReadReplyAsync()).Text);
        RespReply multi = await client.ReadReplyAsync();
        Assert.Equal(medium, multi.Items![0].Bulk);
        Assert.Equal(big, multi.Items[1].Bulk);
        Assert.True(multi.Items[2].IsNullBulk);
        Assert.Equal(medium, multi.Items[3].Bulk);
        Assert.Equal(medium, (await client.ReadReplyAsync()).Bulk);
    }

    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Replies_larger_than_the_send_pool_still_arrive_whole(EngineKind engine)
    {
        // Four 64 KiB send buffers for a reply of several megabytes: the writer must overflow to managed memory and
        // the flush must send without waiting for pool buffers that will never come back.
        await using Samples.Resp.RespServer server = TestServers.Start(engine, o => o.SendBufferCount = 4);
        await using RespTestClient client = await TestServers.ConnectAsync(server);
        var random = new Random(3);
        var values = new List<byte[]>();
        var mget = new List<string> { "MGET" };
        for (int i = 0; i < 300; i++)
        {
            byte[] value = RandomValue(random, 10_000 + (i * 97));
            values.Add(value);
            Assert.Equal("OK", (await client.CommandAsync("SET"u8.ToArray(), Encoding.ASCII.GetBytes($"v{i}"), value)).Text);
            mget.Add($"v{i}");
        }

        RespReply reply = await client.CommandAsync([.. mget]);
        Assert.Equal(values.Count, reply.Items!.Length);
        for (int i = 0; i < values.Count; i++)
        {
            Assert.Equal(values[i], reply.Items[i].Bulk);
        }

        Assert.Equal("PONG", (await client.CommandAsync("PING")).Text);
    }

    [Theory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task A_value_sent_in_odd_small_pieces_is_assembled(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        await using RespTestClient client = await TestServers.ConnectAsync(server);
        byte[] value = RandomValue(new Random(11), 300_000);
        byte[] command = [.. RespTestClient.Encode("SET"u8.ToArray(), "pieces"u8.ToArray(), value), .. RespTestClient.Encode("GET", "pieces")];
        for (int offset = 0; offset < command.Length; offset += 7919)
        {
            await client.SendRawAsync(command.AsMemory(offset, Math.Min(7919, command.Length - offset)));
        }

        Assert.Equal("OK", (await client.ReadReplyAsync()).Text);
        Assert.Equal(value, (await client.ReadReplyAsync()).Bulk);
    }

    private static byte[] RandomValue(Random random, int size)
    {
        byte[] value = new byte[size];
        random.NextBytes(value);
        if (size >= 4)
        {
            // Protocol bytes inside values must be taken as data.
            "\r\n*$"u8.CopyTo(value.AsSpan(size / 2));
        }

        return value;
    }
}
