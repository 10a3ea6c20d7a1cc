using System.Net;
using System.Net.Sockets;

namespace BypassNet.CodeFixes.Tests.EndToEnd;

/// <summary>
/// What stock clients do to a line-protocol test program (ECHO, COUNT, FETCH port, QUIT; its static Start() returns
/// the port, Stop() ends it), and the transcript of what they got back: two clients, an outbound fetch, an unknown
/// command, two lines in one segment, a line split across two, a peer that resets mid-line, and QUIT. Run against a
/// program and its migrated twin, the two transcripts must be the same.
/// </summary>
internal static class LineProtocolScript
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    public static async Task<List<string>> RunAsync(Type server)
    {
        using var timeout = new CancellationTokenSource(s_bound);
        CancellationToken ct = timeout.Token;
        using var upstream = new TcpListener(IPAddress.Loopback, 0);
        upstream.Start();
        Task serving = LineClient.ServeOneLineAsync(upstream, "upstream says hi", ct);

        int port = (int)server.GetMethod("Start")!.Invoke(null, null)!;
        var transcript = new List<string>();
        try
        {
            using var first = await LineClient.ConnectAsync(port, ct);
            using var second = await LineClient.ConnectAsync(port, ct);
            transcript.Add(await first.AskAsync("ECHO hello", ct));
            transcript.Add(await second.WaitForCountAsync("2", ct));
            transcript.Add(await first.AskAsync("FETCH " + ((IPEndPoint)upstream.LocalEndpoint).Port, ct));
            transcript.Add(await second.AskAsync("BOGUS", ct));

            // Two lines in one segment, then one line split across two segments.
            await first.SendAsync("ECHO a\nECHO b\n", ct);
            transcript.Add(await first.ReadLineAsync(ct) + "," + await first.ReadLineAsync(ct));
            await first.SendAsync("ECHO spl", ct);
            await Task.Delay(20, ct);
            await first.SendAsync("it\n", ct);
            transcript.Add(await first.ReadLineAsync(ct) ?? "EOF");

            // A peer that resets mid-line must not take the server down or stall the others.
            using (var rude = await LineClient.ConnectAsync(port, ct))
            {
                transcript.Add(await rude.AskAsync("ECHO rude", ct));
                await rude.SendAsync("ECHO never fin", ct);
                rude.Reset();
            }

            transcript.Add(await second.AskAsync("ECHO still here", ct));

            // QUIT: whatever the program answers, then end of stream; the count drops.
            await first.SendAsync("QUIT\n", ct);
            string? line;
            while ((line = await first.ReadLineAsync(ct)) is not null)
            {
                transcript.Add(line);
            }

            transcript.Add("EOF");
            transcript.Add(await second.WaitForCountAsync("1", ct));
        }
        finally
        {
            // Stop() closes the listener: the accept loop or chain waiting on it must end.
            await Task.Run(() => server.GetMethod("Stop")!.Invoke(null, null)).WaitAsync(s_bound);
        }

        await serving.WaitAsync(s_bound);
        return transcript;
    }
}
