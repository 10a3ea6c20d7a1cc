using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using BypassNet;
using BypassNet.Samples;
using BypassNet.Samples.EchoServer;

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

using BypassRuntime runtime = BypassRuntime.Create(new BypassNetOptions
{
    Engine = arguments.Engine,
    // The echo loop never blocks after an await, so it can run on the ring threads: no thread hops, batched submissions.
    InlineContinuations = true,
});

string engine = runtime.FallbackReason is null ? runtime.Engine.ToString() : $"{runtime.Engine} (fell back: {runtime.FallbackReason})";
OwnedEchoServer server;
try
{
    server = OwnedEchoServer.Start(runtime, new IPEndPoint(IPAddress.Any, arguments.Port), message => Console.Error.WriteLine(message));
}
catch (SocketException ex)
{
    Console.Error.WriteLine($"cannot listen on port {arguments.Port}: {ex.Message}");
    return 1;
}

Console.WriteLine($"EchoServer listening on {server.LocalEndPoint}, engine {engine}; Ctrl+C to stop");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

Console.WriteLine($"stopping: {server.Open} open connection(s), {server.Accepted} accepted, {server.Failed} failed");
await server.DisposeAsync();
Console.WriteLine("stopped");
return 0;

void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
