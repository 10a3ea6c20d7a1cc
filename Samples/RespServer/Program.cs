using System.Globalization;
using System.Runtime.InteropServices;
using BypassNet;
using BypassNet.Samples.Resp;

// RespServer [--port N] [--engine iouring|socket|auto] [--rings N] [--bind ADDRESS] [--no-inline]
var options = new RespServerOptions();
for (int i = 0; i < args.Length; i++)
{
    string value = i + 1 < args.Length ? args[i + 1] : "";
    switch (args[i])
    {
        case "--port":
            options.Port = int.Parse(value, CultureInfo.InvariantCulture);
            i++;
            break;
        case "--engine":
            options.Engine = value.ToLowerInvariant() switch
            {
                "iouring" or "io_uring" => EngineKind.IoUring,
                "socket" or "sockets" => EngineKind.Socket,
                "auto" => EngineKind.Auto,
                _ => throw new ArgumentException($"Unknown engine '{value}': use iouring, socket or auto."),
            };
            i++;
            break;
        case "--rings":
            options.RingCount = int.Parse(value, CultureInfo.InvariantCulture);
            i++;
            break;
        case "--bind":
            options.Address = System.Net.IPAddress.Parse(value);
            i++;
            break;
        case "--no-inline":
            options.InlineContinuations = false;
            break;
        default:
            Console.Error.WriteLine($"Unknown option '{args[i]}'. Usage: RespServer [--port N] [--engine iouring|socket|auto] [--rings N] [--bind ADDRESS] [--no-inline]");
            return 2;
    }
}

const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (options.InlineContinuations && Environment.GetEnvironmentVariable(InlineSocketCompletions) is null)
{
    // The socket engine's counterpart of inline continuations: System.Net.Sockets completes operations on its epoll
    // thread instead of queueing them to the thread pool. Read once, when the first socket is created, so set it first.
    Environment.SetEnvironmentVariable(InlineSocketCompletions, "1");
}

await using RespServer server = RespServer.Start(options);
if (options.Engine == EngineKind.IoUring && server.Engine != EngineKind.IoUring)
{
    Console.Error.WriteLine($"io_uring unavailable, running on sockets: {server.Runtime.FallbackReason}");
}

var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
Console.WriteLine($"RespServer listening on {server.EndPoint} (engine {server.Engine}, rings {options.RingCount}, inline continuations {options.InlineContinuations})");
await stop.Task;
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.TrySetResult();
}
