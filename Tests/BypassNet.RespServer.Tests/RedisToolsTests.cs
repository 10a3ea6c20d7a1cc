using System.Globalization;
using System.Text;
using BypassNet.RespServer.Tests.Support;

namespace BypassNet.RespServer.Tests;

/// <summary>The real Redis tools against the sample; skipped (with a message) where redis-tools is not installed.</summary>
public sealed class RedisToolsTests
{
    [RedisToolsTheory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Redis_cli_runs_commands(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        Assert.Equal("PONG", await CliAsync(server, "PING"));
        Assert.Equal("OK", await CliAsync(server, "SET", "greeting", "hello world"));
        Assert.Equal("hello world", await CliAsync(server, "GET", "greeting"));
        Assert.Equal("3", await CliAsync(server, "INCRBY", "n", "3"));
        Assert.Equal("1", await CliAsync(server, "DEL", "greeting"));
        Assert.Equal("", await CliAsync(server, "GET", "greeting"));
        Assert.StartsWith("ERR unknown command 'NOSUCH'", await CliAsync(server, "NOSUCH", "x"));

        // Interactive-style session on stdin: redis-cli asks COMMAND DOCS first and must carry on without hints.
        (int exit, string output, string error) = await RedisTools.RunAsync(
            RedisTools.Cli!, ["-p", Port(server)], input: "PING\nSET a 1\nGET a\n");
        Assert.True(exit == 0, error);
        Assert.Equal(["PONG", "OK", "1"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [RedisToolsTheory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Redis_cli_pipe_mode_loads_10000_commands(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        var input = new StringBuilder();
        for (int i = 0; i < 10_000; i++)
        {
            input.Append(Encoding.ASCII.GetString(RespTestClient.Encode("SET", $"piped:{i}", $"{i}")));
        }

        (int exit, string output, string error) = await RedisTools.RunAsync(RedisTools.Cli!, ["-p", Port(server), "--pipe"], input.ToString());
        Assert.True(exit == 0, output + error);
        Assert.Contains("errors: 0, replies: 10000", output);
        Assert.Equal("10000", await CliAsync(server, "DBSIZE"));
        Assert.Equal("9999", await CliAsync(server, "GET", "piped:9999"));
    }

    [RedisToolsTheory]
    [MemberData(nameof(TestServers.Both), MemberType = typeof(TestServers))]
    public async Task Redis_benchmark_completes_with_and_without_pipelining(EngineKind engine)
    {
        await using Samples.Resp.RespServer server = TestServers.Start(engine);
        foreach (string[] extra in new[] { Array.Empty<string>(), ["-P", "16"], ["-d", "20000", "-n", "2000"] })
        {
            string[] arguments = ["-p", Port(server), "-t", "ping,set,get,incr,mset", "-n", "20000", "-c", "20", "-q", .. extra];
            (int exit, string output, string error) = await RedisTools.RunAsync(RedisTools.Benchmark!, arguments, timeout: TimeSpan.FromSeconds(90));
            Assert.True(exit == 0, output + error);
            string[] results = output.Split(['\r', '\n']).Where(l => l.Contains("requests per second", StringComparison.Ordinal)).ToArray();
            Assert.True(results.Length >= 5, $"redis-benchmark {string.Join(' ', arguments)}:\n{output}\n{error}");
        }

        Assert.Equal("PONG", await CliAsync(server, "PING"));
    }

    private static string Port(Samples.Resp.RespServer server) => server.EndPoint.Port.ToString(CultureInfo.InvariantCulture);

    private static async Task<string> CliAsync(Samples.Resp.RespServer server, params string[] command)
    {
        (int exit, string output, string error) = await RedisTools.RunAsync(RedisTools.Cli!, ["-p", Port(server), .. command]);
        Assert.True(exit == 0, error);
        return output.TrimEnd('\n');
    }
}
