using System.Net;
using System.Net.Sockets;
using BypassNet;
using BypassNet.Tests.Host;
using Microsoft.Extensions.Logging;

if (args.Length == 2 && args[0] == "echo-server")
{
    return await EchoServerMode.RunAsync(args[1]);
}

// Creates a runtime, echoes 256 KiB over loopback with owned buffers, and prints what happened.
// Optional argument: the engine to ask for (auto, iouring, socket); asking for io_uring where it cannot be had prints refused=...
using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new ConsoleLoggerProvider()).SetMinimumLevel(LogLevel.Debug));
EngineKind requested = args.Length > 0 ? Enum.Parse<EngineKind>(args[0], ignoreCase: true) : EngineKind.Auto;
BypassRuntime created;
try
{
    created = BypassRuntime.Create(new BypassNetOptions { RingCount = 1, Engine = requested, LoggerFactory = loggerFactory });
}
catch (PlatformNotSupportedException ex)
{
    Console.WriteLine($"refused={ex.Message}");
    return 3;
}

using BypassRuntime runtime = created;
Console.WriteLine($"engine={runtime.Engine}");
Console.WriteLine($"fallback={runtime.FallbackReason ?? "none"}");
Console.WriteLine($"features={runtime.Capabilities?.Features.ToString() ?? "none"}");
foreach (Degradation degradation in runtime.Degradations)
{
    Console.WriteLine($"degradation={degradation.Feature}: {degradation.Reason}");
}

using var listener = new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
listener.Listen();
await using var client = new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
Task<BypassSocket> accepting = listener.AcceptAsync();
await client.ConnectAsync(listener.LocalEndPoint!);
await using BypassSocket server = await accepting;

byte[] payload = new byte[256 * 1024];
new Random(7).NextBytes(payload);
Task echo = Task.Run(async () =>
{
    while (true)
    {
        OwnedBuffer received = await server.ReceiveAsync();
        if (received.Length == 0)
        {
            received.Dispose();
            return;
        }

        await server.SendAsync(received);
    }
});

Task send = client.SendAsync(payload.AsMemory(), SocketFlags.None).AsTask();
byte[] echoed = new byte[payload.Length];
int filled = 0;
while (filled < echoed.Length)
{
    using OwnedBuffer buffer = await client.ReceiveAsync();
    if (buffer.Length == 0)
    {
        break;
    }

    buffer.Span.CopyTo(echoed.AsSpan(filled));
    filled += buffer.Length;
}

await send;
client.Shutdown(SocketShutdown.Send);
await echo;
bool intact = echoed.AsSpan().SequenceEqual(payload);
Console.WriteLine($"echo={(intact ? "ok" : "corrupt")}");
return intact ? 0 : 1;
