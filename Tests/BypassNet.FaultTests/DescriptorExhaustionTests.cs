using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using BypassNet.FaultTests.Support;

namespace BypassNet.FaultTests;

/// <summary>
/// Descriptor exhaustion is a load condition: the sample servers run as child processes under
/// <c>prlimit --nofile</c> and are flooded past the limit, on both engines. They must refuse the excess cleanly (the
/// RESP server as redis-server does), keep serving, and answer fresh connections once the flood ends — also when
/// accept itself hits EMFILE because the connection limit was set above the descriptor limit.
/// </summary>
public sealed class DescriptorExhaustionTests
{
    private const int DescriptorLimit = 256;
    private const int Flood = 400;

    public static TheoryData<string, EngineKind> Servers => new()
    {
        { "echo", EngineKind.IoUring },
        { "echo", EngineKind.Socket },
        { "resp", EngineKind.IoUring },
        { "resp", EngineKind.Socket },
    };

    [SkippableTheory]
    [MemberData(nameof(Servers))]
    public async Task A_flood_past_the_descriptor_limit_is_refused_cleanly_and_the_server_recovers(string server, EngineKind engine)
    {
        using ChildProcess child = await StartAsync(server, engine, unlimitedClients: false);
        int port = await child.ListeningPortAsync();
        string maxLine = await child.WaitForLineAsync("listening on");
        int max = int.Parse(Regex.Match(maxLine, server == "echo" ? @"at most (\d+)" : @"maxclients (\d+)").Groups[1].Value);
        Assert.InRange(max, 1, DescriptorLimit);

        for (int round = 0; round < 2; round++)
        {
            var connections = new List<Socket>();
            try
            {
                for (int i = 0; i < Flood; i++)
                {
                    connections.Add(await ChildProcess.ConnectLoopbackAsync(port));
                }

                // Every connection gets an answer: served ones the reply, the rest a refusal (never silence).
                Answer[] answers = await Task.WhenAll(connections.Select(c => AskAndCloseIfRefusedAsync(c, server))).WaitAsync(Faults.Guard);
                int served = answers.Count(a => a == Answer.Served);
                int refused = answers.Count(a => a == Answer.Refused);
                Assert.True(served >= 1 && served <= max, $"round {round}: {served} served, {refused} refused, max {max}\n{child.Output}");
                Assert.Equal(Flood, served + refused);
                Assert.True(refused >= Flood - max, $"round {round}: only {refused} refused");
            }
            finally
            {
                connections.ForEach(c => c.Dispose());
            }

            await FreshConnectionsAreServedAsync(port, server, child);
        }

        Assert.False(child.HasExited, child.Output);
    }

    [SkippableTheory]
    [MemberData(nameof(Servers))]
    public async Task Accept_failing_with_EMFILE_backs_off_and_resumes_once_descriptors_return(string server, EngineKind engine)
    {
        using ChildProcess child = await StartAsync(server, engine, unlimitedClients: true);
        int port = await child.ListeningPortAsync();
        var connections = new List<Socket>();
        try
        {
            // With no connection limit below the descriptor limit, accept itself runs out of descriptors.
            for (int i = 0; i < Flood; i++)
            {
                connections.Add(await ChildProcess.ConnectLoopbackAsync(port));
            }

            await child.WaitForLineAsync("out of descriptors");
        }
        finally
        {
            connections.ForEach(c => c.Dispose());
        }

        await FreshConnectionsAreServedAsync(port, server, child);
        await child.WaitForLineAsync("descriptors available again");
        Assert.False(child.HasExited, child.Output);
    }

    private enum Answer
    {
        Served,
        Refused,
    }

    private static async Task<ChildProcess> StartAsync(string server, EngineKind engine, bool unlimitedClients)
    {
        Skip.If(engine == EngineKind.IoUring && !Faults.IoUringAvailable, "io_uring is unavailable on this machine");
        Skip.IfNot(ChildProcess.CommandExists("prlimit"), "prlimit (util-linux) missing");
        string engineName = engine == EngineKind.IoUring ? "iouring" : "socket";
        (string dll, List<string> arguments) = server == "echo"
            ? (ChildProcess.Dll("Samples/EchoServer", "EchoServer"), new List<string> { "--port", "0", "--engine", engineName })
            : (ChildProcess.Dll("Samples/RespServer", "RespServer"), new List<string> { "--port", "0", "--engine", engineName });
        if (unlimitedClients)
        {
            arguments.AddRange(server == "echo" ? ["--max-connections", "100000"] : ["--maxclients", "100000"]);
        }

        ChildProcess child = ChildProcess.Start(dll, arguments, ["prlimit", $"--nofile={DescriptorLimit}:{DescriptorLimit}"]);
        await Task.Yield();
        return child;
    }

    /// <summary>Sends one request and reads the answer: the reply (served), or a refusal (EOF, reset, or the RESP error).</summary>
    private static async Task<Answer> AskAsync(Socket socket, string server)
    {
        byte[] request = server == "echo" ? "x"u8.ToArray() : "PING\r\n"u8.ToArray();
        byte[] buffer = new byte[256];
        int filled = 0;
        try
        {
            await socket.SendAsync(request, SocketFlags.None);
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
                if (n == 0)
                {
                    Assert.Equal(0, filled);
                    Assert.Equal("echo", server); // the RESP server always says why before closing
                    return Answer.Refused;
                }

                filled += n;
                string text = Encoding.ASCII.GetString(buffer, 0, filled);
                if (server == "echo")
                {
                    Assert.Equal("x", text);
                    return Answer.Served;
                }

                if (text.EndsWith("\r\n", StringComparison.Ordinal))
                {
                    Assert.True(text is "+PONG\r\n" or "-ERR max number of clients reached\r\n", text);
                    return text == "+PONG\r\n" ? Answer.Served : Answer.Refused;
                }
            }
        }
        catch (SocketException ex) when (server == "echo" && filled == 0 && ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
        {
            // Closed by the server with the probe byte unread: a reset is its refusal.
            return Answer.Refused;
        }
    }

    /// <summary>A refused client hangs up, as a real one would, which lets the server finish the refusal at once.</summary>
    private static async Task<Answer> AskAndCloseIfRefusedAsync(Socket socket, string server)
    {
        Answer answer = await AskAsync(socket, server);
        if (answer == Answer.Refused)
        {
            socket.Close();
        }

        return answer;
    }

    /// <summary>Fresh connections are served once the flood is gone; a refusal while the server still sees old closes is retried.</summary>
    private static async Task FreshConnectionsAreServedAsync(int port, string server, ChildProcess child)
    {
        DateTime deadline = DateTime.UtcNow + Faults.Guard;
        int served = 0;
        while (served < 20)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {served} fresh connections served:\n{child.Output}");
            using Socket socket = await ChildProcess.ConnectLoopbackAsync(port);
            if (await AskAsync(socket, server).WaitAsync(Faults.Guard) == Answer.Served)
            {
                served++;
            }
            else
            {
                await Task.Delay(20);
            }
        }
    }
}
