using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using BypassNet.Compat.Tests.Support;
using Microsoft.Extensions.Logging;

namespace BypassNet.Compat.Tests.Kestrel;

/// <summary>HttpClient against Kestrel on the BypassNet transport (io_uring engine).</summary>
public sealed class KestrelTransportTests : IClassFixture<KestrelHost>
{
    private const int TenMegabytes = 10 * 1024 * 1024;
    private readonly KestrelHost _host;

    public KestrelTransportTests(KestrelHost host) => _host = host;

    [Fact]
    public async Task Get_is_served_over_the_bypassnet_runtime()
    {
        long receivesBefore = _host.Runtime.GetStatistics().Receives;
        using HttpClient client = _host.CreateClient();
        using HttpResponseMessage response = await client.GetAsync("/hello");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Hello, World!", await response.Content.ReadAsStringAsync());
        Assert.True(_host.Runtime.GetStatistics().Receives > receivesBefore, "the request must have been received by the BypassNet runtime");
        if (EngineRuntimes.IoUringAvailable)
        {
            Assert.Equal(EngineKind.IoUring, _host.Runtime.Engine);
        }
    }

    [Fact]
    public async Task Keep_alive_serves_sequential_requests_on_one_connection()
    {
        using HttpClient client = _host.CreateClient(maxConnections: 1);
        var seen = new HashSet<string>();
        for (int i = 0; i < 20; i++)
        {
            seen.Add(await client.GetStringAsync("/connection"));
        }

        Assert.Single(seen);
    }

    [Fact]
    public async Task Get_with_a_10_MB_body_arrives_intact()
    {
        using HttpClient client = _host.CreateClient();
        byte[] body = await client.GetByteArrayAsync($"/big?size={TenMegabytes}");
        Assert.Equal(KestrelHost.Pattern(TenMegabytes), body);
    }

    [Fact]
    public async Task Post_with_a_10_MB_body_is_read_intact()
    {
        byte[] payload = KestrelHost.Pattern(TenMegabytes + 3);
        using HttpClient client = _host.CreateClient(maxConnections: 1);

        using (var content = new ByteArrayContent(payload))
        using (HttpResponseMessage hashed = await client.PostAsync("/sha256", content))
        {
            Assert.Equal($"{payload.Length} {Convert.ToHexString(SHA256.HashData(payload))}", await hashed.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Post_with_a_chunked_10_MB_body_gets_a_10_MB_response_intact()
    {
        byte[] payload = KestrelHost.Pattern(TenMegabytes + 3);
        using HttpClient client = _host.CreateClient(maxConnections: 1);

        // Chunked request and response this time, streaming both ways on the same (kept-alive) connection.
        using var streamed = new StreamContent(new MemoryStream(payload));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/echo") { Content = streamed };
        request.Headers.TransferEncodingChunked = true;
        using HttpResponseMessage echoed = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, echoed.StatusCode);
        Assert.Equal(payload, await echoed.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Two_hundred_concurrent_requests_all_succeed()
    {
        using HttpClient client = _host.CreateClient();
        byte[] small = KestrelHost.Pattern(20_000);
        string smallHash = $"{small.Length} {Convert.ToHexString(SHA256.HashData(small))}";
        Task<string>[] requests = Enumerable.Range(0, 200).Select(async i =>
        {
            if (i % 2 == 0)
            {
                return await client.GetStringAsync("/hello");
            }

            using var content = new ByteArrayContent(small);
            using HttpResponseMessage response = await client.PostAsync("/sha256", content);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadAsStringAsync();
        }).ToArray();

        string[] results = await Task.WhenAll(requests).WaitAsync(Deadline.Hang);
        for (int i = 0; i < results.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? "Hello, World!" : smallHash, results[i]);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Client_abort_mid_body_fails_the_body_read_and_the_server_carries_on(bool reset)
    {
        _host.ResetAbortOutcome();
        using (var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await raw.ConnectAsync(IPAddress.Loopback, _host.BaseAddress.Port);
            string head = $"POST /abortable HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {TenMegabytes}\r\n\r\n";
            await raw.SendAsync(Encoding.ASCII.GetBytes(head));
            await raw.SendAsync(new byte[1024 * 1024]);

            // Abort mid-body, not before the request reached the app (a reset can discard unread data in the kernel).
            await _host.AbortBodyStarted.Task.WaitAsync(Deadline.Hang);
            if (reset)
            {
                raw.LingerState = new LingerOption(true, 0);
            }
            else
            {
                raw.Shutdown(SocketShutdown.Send);
            }
        }

        (Exception? error, long bytesRead) = await _host.AbortOutcome.Task.WaitAsync(Deadline.Hang);
        Assert.NotNull(error);
        Assert.True(error is IOException or OperationCanceledException or Microsoft.AspNetCore.Http.BadHttpRequestException, error.ToString());
        Assert.InRange(bytesRead, 0, TenMegabytes - 1);

        using HttpClient client = _host.CreateClient();
        Assert.Equal("Hello, World!", await client.GetStringAsync("/hello"));

        // Kestrel itself may log an error about draining an aborted body (its socket transport does too); the transport must not fail.
        Assert.DoesNotContain(_host.Logs.Entries, TransportFault);
    }

    [Fact]
    public async Task The_connection_context_reports_the_peer_endpoint()
    {
        using HttpClient client = _host.CreateClient(maxConnections: 1);
        string reply = await client.GetStringAsync("/connection");
        string[] parts = reply.Split(' ');
        Assert.StartsWith("bypass-", parts[0], StringComparison.Ordinal);
        Assert.StartsWith("127.0.0.1:", parts[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_errors_are_logged_by_ordinary_traffic()
    {
        using HttpClient client = _host.CreateClient();
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal("Hello, World!", await client.GetStringAsync("/hello"));
        }

        Assert.DoesNotContain(_host.Logs.Entries, TransportFault);
    }

    [Fact]
    public async Task Http_headers_and_status_round_trip()
    {
        using HttpClient client = _host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/missing");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>An error logged by the transport, or a programming error thrown from BypassNet code into anyone's log.</summary>
    private static bool TransportFault(CapturingLoggerProvider.Entry entry) =>
        (entry.Level >= LogLevel.Error && entry.Category.StartsWith("BypassNet", StringComparison.Ordinal))
        || (entry.Exception?.ToString() is { } text && text.Contains("at BypassNet.", StringComparison.Ordinal)
            && (text.Contains("NullReferenceException", StringComparison.Ordinal)
                || text.Contains("InvalidOperationException", StringComparison.Ordinal)
                || text.Contains("ArgumentOutOfRangeException", StringComparison.Ordinal)
                || text.Contains("IndexOutOfRangeException", StringComparison.Ordinal)));
}
