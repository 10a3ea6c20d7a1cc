using System.Diagnostics;

namespace BypassNet.Samples.Demo;

/// <summary>
/// Measures one server under an already running load client for one window. During the window this thread only sleeps and
/// rescans the server's threads for the system call counters; everything it does at the edges (talking to the client,
/// reading CPU times and the server's allocation probe) happens outside the server-side window.
/// </summary>
internal static class MeasurementWindow
{
    public static Measurement Measure(IServerUnderTest server, LoadProcess client, LoadCase load, TimeSpan window)
    {
        using SyscallCounter? syscalls = SyscallCounter.TryCreate(server.ProcessId, SyscallCounter.AllCalls, out _);
        using SyscallCounter? enters = SyscallCounter.TryCreate(server.ProcessId, SyscallCounter.IoUringEnter, out _);
        using Process serverProcess = Process.GetProcessById(server.ProcessId);
        using Process clientProcess = Process.GetProcessById(client.ProcessId);
        LoadMark start = client.Mark();
        long? allocatedStart = server.ReadAllocatedBytes();
        TimeSpan serverCpuStart = serverProcess.TotalProcessorTime;
        TimeSpan clientCpuStart = clientProcess.TotalProcessorTime;
        syscalls?.Start();
        enters?.Start();
        long serverStart = Stopwatch.GetTimestamp();

        long end = serverStart + (long)(window.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() is long now && now < end)
        {
            // New server threads (thread pool growth) are picked up every 100 ms.
            Thread.Sleep(TimeSpan.FromSeconds(Math.Min((end - now) / (double)Stopwatch.Frequency, 0.1)));
            syscalls?.Rescan();
            enters?.Rescan();
        }

        long? syscallCount = syscalls?.Stop();
        long? enterCount = enters?.Stop();
        double serverSeconds = Stopwatch.GetElapsedTime(serverStart).TotalSeconds;
        serverProcess.Refresh();
        clientProcess.Refresh();
        double serverCpu = (serverProcess.TotalProcessorTime - serverCpuStart).TotalSeconds;
        double clientCpu = (clientProcess.TotalProcessorTime - clientCpuStart).TotalSeconds;
        long? allocated = server.ReadAllocatedBytes() - allocatedStart;
        LoadMark finish = client.Mark();

        double clientSeconds = (finish.Timestamp - start.Timestamp) / (double)Stopwatch.Frequency;
        return new Measurement(
            server.Name, load, finish.RoundTrips - start.RoundTrips, clientSeconds, serverSeconds, allocated, syscallCount, enterCount,
            serverCpu, clientCpu, finish.P50, finish.P99);
    }
}
