// TechEmpower "plaintext" on Kestrel, on either transport:
//   dotnet run -c Release -- --transport bypassnet|sockets --urls http://127.0.0.1:5000 [--inline true] [--rings N]
//     [--busypoll MICROSECONDS] [--verbose]
using BypassNet;

WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);

string transport = builder.Configuration["transport"] ?? "bypassnet";
bool verbose = builder.Configuration.GetValue<bool>("verbose");
bool inline = builder.Configuration.GetValue<bool>("inline");
int rings = builder.Configuration.GetValue<int>("rings");
int? busyPoll = builder.Configuration.GetValue<int?>("busypoll");

// Benchmarks measure the server, not its console: warnings only unless asked.
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole();
builder.Logging.SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning);

switch (transport.ToLowerInvariant())
{
    case "bypassnet":
        builder.WebHost.UseBypassNet(options =>
        {
            options.RuntimeOptions.InlineContinuations = inline;
            if (rings > 0)
            {
                options.RuntimeOptions.RingCount = rings;
            }

            if (busyPoll is int microseconds)
            {
                options.RuntimeOptions.BusyPollMicroseconds = microseconds;
            }
        });
        break;
    case "sockets":
        // Kestrel's default transport: nothing to change.
        break;
    default:
        Console.Error.WriteLine($"Unknown --transport '{transport}': expected bypassnet or sockets.");
        return 2;
}

WebApplication app = builder.Build();
app.MapGet("/plaintext", static () => Results.Text("Hello, World!", "text/plain"));

await app.StartAsync();
Console.WriteLine($"KestrelPlaintext listening on {string.Join(", ", app.Urls)} with transport {transport}{(inline ? " (inline continuations)" : string.Empty)}");
await app.WaitForShutdownAsync();
return 0;
