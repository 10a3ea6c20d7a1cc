using System.Globalization;
using System.Runtime.InteropServices;
using BypassNet;
using BypassNet.Samples.Resp;

// RespServer [--port N] [--engine iouring|socket|auto] [--rings N] [--bind ADDRESS] [--no-inline] [--maxclients N]
// Console, assemblies and exception messages the error paths use are loaded now, while descriptors are plentiful.
BypassNet.Samples.StartupWarmup.Run();
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
        case "--maxclients":
            options.MaxClients = int.Parse(value, CultureInfo.InvariantCulture);
            i++;
            break;
        case "--no-inline":
            options.InlineContinuations = false;
            break;
        default:
            Console.Error.WriteLine($"Unknown option '{args[i]}'. Usage: RespServer [--port N] [--engine iouring|socket|auto] [--rings N] [--bind ADDRESS] [--no-inline] [--maxclients N]");
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

RespServer started;
try
{
    started = RespServer.Start(options);
}
catch (PlatformNotSupportedException ex)
{
    // --engine iouring where io_uring cannot be had: say why rather than run on something else.
    Console.Error.WriteLine($"cannot run on io_uring: {ex.Message}");
    return 1;
}
catch (System.Net.Sockets.SocketException ex)
{
    // A port in use, an address not on this machine: one line, as redis-server says it, not a stack trace.
    Console.Error.WriteLine($"cannot listen on {options.Address}:{options.Port}: {ex.Message}");
    return 1;
}

await using RespServer server = started;
foreach (string line in BypassNet.Samples.RuntimeReport.Describe(server.Runtime))
{
    Console.WriteLine(line);
}

var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
Console.WriteLine($"RespServer listening on {server.EndPoint} (engine {server.Engine}, rings {options.RingCount}, inline continuations {options.InlineContinuations}, maxclients {server.MaxClients})");
await stop.Task;
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.TrySetResult();
}
