using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using BypassNet;
using BypassNet.Samples;
using BypassNet.Samples.EchoServer;

// Console, assemblies and exception messages the error paths use are loaded now, while descriptors are plentiful.
StartupWarmup.Run();
if (!EchoServerArguments.TryParse(args, out EchoServerArguments arguments, out string? error))
{
    if (error is not null)
    {
        Console.Error.WriteLine(error);
    }

    Console.Error.WriteLine(EchoServerArguments.Usage);
    return error is null ? 0 : 2;
}

using var stop = new CancellationTokenSource();
// Ctrl+C and SIGTERM both mean "stop cleanly": cancel the default termination and let the server drain.
using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

BypassRuntime created;
try
{
    var options = new BypassNetOptions
    {
        Engine = arguments.Engine,
        // The echo loop never blocks after an await, so it can run on the ring threads: no thread hops, batched submissions.
        // --inline false measures the runtime's own default (continuations on the thread pool).
        InlineContinuations = arguments.Inline,
        // The runtime's own messages (a listener out of descriptors and its recovery) on stderr, never throwing.
        LoggerFactory = SafeLogLoggerFactory.StandardError(),
    };
    if (arguments.BusyPollMicroseconds is int busyPoll)
    {
        // For A/B runs without a rebuild; the default is what a user gets.
        options.BusyPollMicroseconds = busyPoll;
    }

    created = BypassRuntime.Create(options);
}
catch (PlatformNotSupportedException ex)
{
    // --engine iouring where io_uring cannot be had: say why rather than run on something else.
    Console.Error.WriteLine($"cannot run on io_uring: {ex.Message}");
    return 1;
}

using BypassRuntime runtime = created;
foreach (string line in RuntimeReport.Describe(runtime))
{
    Console.WriteLine(line);
}

OwnedEchoServer server;
try
{
    server = OwnedEchoServer.Start(runtime, new IPEndPoint(IPAddress.Any, arguments.Port), message => Console.Error.WriteLine(message), arguments.MaxConnections);
}
catch (SocketException ex)
{
    Console.Error.WriteLine($"cannot listen on port {arguments.Port}: {ex.Message}");
    return 1;
}

Console.WriteLine($"EchoServer listening on {server.LocalEndPoint}, engine {runtime.Engine}, at most {server.MaxConnections} connection(s); Ctrl+C to stop");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

Console.WriteLine($"stopping: {server.Open} open connection(s), {server.Accepted} accepted, {server.Failed} failed, {server.Refused} refused");
await server.DisposeAsync();
Console.WriteLine("stopped");
return 0;

void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
