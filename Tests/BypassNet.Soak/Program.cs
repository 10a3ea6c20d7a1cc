using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BypassNet;
using BypassNet.Engines.Uring;
using BypassNet.Engines.Managed;
using BypassNet.Soak;

// Soak: an in-process echo server on BypassSocket's owned-buffer API under checked load with connection churn and
// injected faults (resets mid-stream, canceled receives, connections abandoned mid-message). Exit code 0 only when
// no byte mismatched and every buffer and receive slot came home.
SoakOptions options = SoakOptions.Parse(args);
var runtimeOptions = new BypassNetOptions
{
    Engine = options.Engine,
    RingCount = 2,
    SendBufferCount = 512,
    SendBufferSize = 64 * 1024,
    ReceiveBuffersPerRing = 1024,
    ReceiveBufferSize = 16 * 1024,
    PoisonBuffers = options.Poison,
};
using BypassRuntime runtime = BypassRuntime.Create(runtimeOptions);
var counters = new SoakCounters();
using var stop = new CancellationTokenSource();
using var listener = new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
listener.Listen(4096);
EndPoint endPoint = listener.LocalEndPoint!;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"soak: {runtime.Engine} engine{(runtime.FallbackReason is { } why ? $" ({why})" : string.Empty)}, {options.Connections} client connections (+ as many server ends), {options.Seconds} s, poison {(options.Poison ? "on" : "off")}"));

var serverTasks = new List<Task>();
Task acceptLoop = Task.Run(async () =>
{
    while (!stop.IsCancellationRequested)
    {
        BypassSocket accepted;
        try
        {
            accepted = await listener.AcceptAsync(stop.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            return;
        }

        lock (serverTasks)
        {
            serverTasks.RemoveAll(t => t.IsCompleted);
            serverTasks.Add(Task.Run(() => Echo.ServeAsync(accepted, counters)));
        }
    }
});

var rss = new List<(double Seconds, long Kib)>();
var clock = Stopwatch.StartNew();
Task[] workers = Enumerable.Range(0, options.Connections)
    .Select(w => Task.Run(() => Client.RunAsync(w, runtime, endPoint, options, counters, stop.Token)))
    .ToArray();

Task reporter = Task.Run(async () =>
{
    while (!stop.IsCancellationRequested)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(options.ReportSeconds), stop.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Report("progress");
    }
});

await Task.Delay(TimeSpan.FromSeconds(options.Seconds));
stop.Cancel();
await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));
await reporter;
listener.Dispose();
await acceptLoop.WaitAsync(TimeSpan.FromSeconds(30));
Task[] remaining;
lock (serverTasks)
{
    remaining = serverTasks.ToArray();
}

await Task.WhenAll(remaining).WaitAsync(TimeSpan.FromSeconds(60));

// Everything must come home once every connection is closed (the kernel may take a moment to finish the last sends).
var settle = Stopwatch.StartNew();
while ((Outstanding().Send != 0 || Outstanding().Receive != 0) && settle.Elapsed < TimeSpan.FromSeconds(30))
{
    await Task.Delay(50);
}

Report("final");
(int leakedSend, int leakedReceive) = Outstanding();
long warm = rss.Count > 4 ? rss[rss.Count / 5].Kib : rss.FirstOrDefault().Kib;
long last = rss.LastOrDefault().Kib;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RSS KiB: start {rss.FirstOrDefault().Kib}, after warm-up {warm}, min {rss.Min(r => r.Kib)}, max {rss.Max(r => r.Kib)}, end {last}; growth after warm-up {last - warm} KiB ({(warm > 0 ? 100.0 * (last - warm) / warm : 0):F1} %)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RESULT: round trips {counters.RoundTrips}, bytes verified {counters.BytesVerified}, mismatches {counters.Mismatches}, connections opened {counters.ConnectionsOpened} (max {counters.MaxConnectionsOpen} open at once), faults injected {counters.FaultsInjected} (resets {counters.Resets}, canceled receives {counters.CanceledReceives}, abandoned mid-message {counters.AbandonedMidStream}), unexpected errors {counters.UnexpectedErrors}, leaked send buffers {leakedSend}, leaked receive slots {leakedReceive}"));
bool ok = counters.Mismatches == 0 && leakedSend == 0 && leakedReceive == 0 && counters.UnexpectedErrors == 0 && counters.RoundTrips > 0;
Console.WriteLine(ok ? "PASS" : "FAIL");
return ok ? 0 : 1;

void Report(string what)
{
    long kib = Rss.CurrentKib();
    rss.Add((clock.Elapsed.TotalSeconds, kib));
    (int send, int receive) = Outstanding();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"[{clock.Elapsed.TotalSeconds,6:F0} s] {what}: round trips {Interlocked.Read(ref counters.RoundTrips)}, verified {Interlocked.Read(ref counters.BytesVerified) / (1024 * 1024)} MiB, mismatches {Interlocked.Read(ref counters.Mismatches)}, open {Interlocked.Read(ref counters.ConnectionsOpen)}, opened {Interlocked.Read(ref counters.ConnectionsOpened)}, faults {counters.FaultsInjected}, errors {Interlocked.Read(ref counters.UnexpectedErrors)}, send buffers out {send}, receive slots out {receive}, RSS {kib / 1024} MiB"));
}

(int Send, int Receive) Outstanding()
{
    int send = runtime.Buffers.Count - runtime.Buffers.Available;
    int receive = 0;
    switch (runtime.EngineImpl)
    {
        case IoUringSocketEngine io:
            foreach (RingContext ring in io.Rings)
            {
                if (ring.ReceiveRing is { } r)
                {
                    receive += r.Count - r.Available;
                }
            }

            break;
        case ManagedSocketEngine managed:
            receive = managed.ReceivePool.Count - managed.ReceivePool.Available;
            break;
    }

    return (send, receive);
}
