using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BypassNet.CodeFixes.Tests.EndToEnd;

/// <summary>A stock TcpClient (System.Net.Sockets) speaking the line protocol of the migrate-and-run test programs.</summary>
internal sealed class LineClient : IDisposable
{
    private readonly TcpClient _client;
    private readonly StreamReader _reader;

    private LineClient(TcpClient client)
    {
        _client = client;
        _reader = new StreamReader(client.GetStream(), Encoding.UTF8);
    }

    public static async Task<LineClient> ConnectAsync(int port, CancellationToken ct)
    {
        var client = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port, ct);
        return new LineClient(client);
    }

    /// <summary>An upstream for the programs' FETCH: accepts one connection and sends it <paramref name="line"/>.</summary>
    public static async Task ServeOneLineAsync(TcpListener listener, string line, CancellationToken ct)
    {
        using TcpClient client = await listener.AcceptTcpClientAsync(ct);
        await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), ct);
    }

    public async Task<string> AskAsync(string line, CancellationToken ct)
    {
        await SendAsync(line + "\n", ct);
        return await ReadLineAsync(ct) ?? "EOF";
    }

    /// <summary>Asks COUNT until the server reports <paramref name="expected"/>: a reset session ends on its own schedule.</summary>
    public async Task<string> WaitForCountAsync(string expected, CancellationToken ct)
    {
        string count;
        while ((count = await AskAsync("COUNT", ct)) != expected)
        {
            await Task.Delay(10, ct);
        }

        return "COUNT " + count;
    }

    public Task SendAsync(string text, CancellationToken ct) => _client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(text), ct).AsTask();

    public async Task<string?> ReadLineAsync(CancellationToken ct) => await _reader.ReadLineAsync(ct);

    /// <summary>Closes with a reset (linger 0), as a peer that crashes does.</summary>
    public void Reset()
    {
        _client.LingerState = new LingerOption(true, 0);
        _client.Close();
    }

    public void Dispose()
    {
        _reader.Dispose();
        _client.Dispose();
    }
}
