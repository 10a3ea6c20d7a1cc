using System.Diagnostics;

namespace BypassNet.Samples.Demo;

/// <summary>
/// Runs one phase: load client up, warm-up, then a measurement window during which this process only sleeps and
/// rescans threads for the syscall counter — everything it does at the window's edges (talking to the client) is
/// outside the window.
/// </summary>
internal static class PhaseRunner
{
    public static Measurement Run(IServerUnderTest server, LoadCase load, TimeSpan warmup, TimeSpan window, Action<string> progress)
    {
        progress($"  {server.Name,-24} {load.Title}: warming up {warmup.TotalSeconds:0.#} s, measuring {window.TotalSeconds:0.#} s");
        using LoadProcess client = LoadProcess.Start(server.EndPoint.Port, load);
        Thread.Sleep(warmup);

        using SyscallCounter? syscalls = SyscallCounter.TryCreate(server.ProcessId, out _);
        using Process serverProcess = Process.GetProcessById(server.ProcessId);
        using Process clientProcess = Process.GetProcessById(client.ProcessId);
        (long startCount, long startClientTime) = client.Mark();
        TimeSpan serverCpuStart = serverProcess.TotalProcessorTime;
        TimeSpan clientCpuStart = clientProcess.TotalProcessorTime;
        long allocatedStart = server.InProcess ? GC.GetTotalAllocatedBytes(precise: true) : 0;
        syscalls?.Start();
        RingFigures? ringStart = server.ReadRingFigures();
        long serverStart = Stopwatch.GetTimestamp();

        if (syscalls is not null)
        {
            syscalls.RunFor(window);
        }
        else
        {
            Thread.Sleep(window);
        }

        RingFigures? ring = server.ReadRingFigures() - ringStart;
        long? syscallCount = syscalls?.Stop();
        double serverSeconds = Stopwatch.GetElapsedTime(serverStart).TotalSeconds;
        long? allocated = server.InProcess ? GC.GetTotalAllocatedBytes(precise: true) - allocatedStart : null;
        serverProcess.Refresh();
        clientProcess.Refresh();
        double serverCpu = (serverProcess.TotalProcessorTime - serverCpuStart).TotalSeconds;
        double clientCpu = (clientProcess.TotalProcessorTime - clientCpuStart).TotalSeconds;
        (long endCount, long endClientTime) = client.Mark();
        client.Stop();

        double clientSeconds = (endClientTime - startClientTime) / (double)Stopwatch.Frequency;
        return new Measurement(server.Name, load, endCount - startCount, clientSeconds, serverSeconds, allocated, syscallCount, ring, serverCpu, clientCpu);
    }
}
