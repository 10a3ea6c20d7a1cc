using System.Security.Cryptography;
using BypassNet.AspNetCore;
using BypassNet.Compat.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BypassNet.Compat.Tests.Kestrel;

/// <summary>
/// A Kestrel app on the BypassNet transport, listening on 127.0.0.1 port 0, with the endpoints the tests drive.
/// Used as an xunit fixture (one server for a test class) and directly by tests that stop their own server.
/// </summary>
public sealed class KestrelHost : IAsyncLifetime
{
    private readonly EngineKind _engine;
    private WebApplication? _app;
    private bool _inline;

    public KestrelHost()
        : this(EngineKind.IoUring)
    {
    }

    public static KestrelHost On(EngineKind engine, bool inlineContinuations = false) => new(engine) { _inline = inlineContinuations };

    private KestrelHost(EngineKind engine) => _engine = engine;

    public BypassRuntime Runtime { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>What the /abortable handler saw: the exception that ended its body read, or null when it read it all.</summary>
    public TaskCompletionSource<(Exception? Error, long BytesRead)> AbortOutcome { get; private set; } = NewOutcome();

    /// <summary>Set when /slow has started; the handler then waits for <see cref="SlowGate"/>.</summary>
    public TaskCompletionSource SlowStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource SlowGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WebApplication App => _app!;

    public static byte[] Pattern(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Set once the /abortable handler has read body bytes: the client may abort from then on.</summary>
    public TaskCompletionSource AbortBodyStarted { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ResetAbortOutcome()
    {
        AbortOutcome = NewOutcome();
        AbortBodyStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public async Task InitializeAsync()
    {
        Runtime = EngineRuntimes.Create(_engine, o =>
        {
            o.ReceiveBuffersPerRing = 512;
            o.InlineContinuations = _inline;
        });
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        // COMPAT_TESTS_STOCK_KESTREL=1 runs the same tests on Kestrel's own socket transport: the behaviour to match.
        if (Environment.GetEnvironmentVariable("COMPAT_TESTS_STOCK_KESTREL") != "1")
        {
            builder.WebHost.UseBypassNet(options => options.Runtime = Runtime);
        }
        builder.WebHost.ConfigureKestrel(options => options.Limits.MaxRequestBodySize = 64 * 1024 * 1024);
        WebApplication app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");

        app.MapGet("/hello", static () => Results.Text("Hello, World!", "text/plain"));
        app.MapGet("/connection", static (HttpContext context) => context.Connection.Id + " " + context.Connection.RemoteIpAddress + ":" + context.Connection.RemotePort);
        app.MapGet("/big", static async (HttpContext context, int size) =>
        {
            byte[] body = Pattern(size);
            context.Response.ContentLength = size;
            await context.Response.Body.WriteAsync(body);
        });
        app.MapPost("/echo", static async (HttpContext context) =>
        {
            // Read it all, then answer: HttpClient's HTTP/1.1 is not full duplex, so a streaming echo would deadlock on any transport.
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            context.Response.ContentType = "application/octet-stream";
            await context.Response.Body.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length));
        });
        app.MapPost("/sha256", static async (HttpContext context) =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            byte[] buffer = new byte[32 * 1024];
            int n;
            while ((n = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                total += n;
            }

            return Results.Text($"{total} {Convert.ToHexString(hash.GetHashAndReset())}");
        });
        app.MapPost("/abortable", async (HttpContext context) =>
        {
            long total = 0;
            byte[] buffer = new byte[32 * 1024];
            try
            {
                int n;
                while ((n = await context.Request.Body.ReadAsync(buffer)) > 0)
                {
                    total += n;
                    AbortBodyStarted.TrySetResult();
                }

                AbortOutcome.TrySetResult((null, total));
            }
            catch (Exception ex)
            {
                AbortOutcome.TrySetResult((ex, total));
            }
        });
        app.MapGet("/slow", async (HttpContext context) =>
        {
            SlowStarted.TrySetResult();
            await SlowGate.Task;
            await context.Response.WriteAsync("finished after shutdown began");
        });

        await app.StartAsync();
        string address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address);
        _app = app;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Runtime?.Dispose();
    }

    public HttpClient CreateClient(int maxConnections = int.MaxValue) => new(new SocketsHttpHandler { MaxConnectionsPerServer = maxConnections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        BaseAddress = BaseAddress,
        Timeout = Deadline.Hang,
    };

    private static TaskCompletionSource<(Exception? Error, long BytesRead)> NewOutcome() =>
        new(TaskCreationOptions.RunContinuationsAsynchronously);
}
