using System.Diagnostics;

namespace BypassNet.Samples.Demo;

/// <summary>
/// Measures one server under one running load client for one window. During the window this thread only sleeps and
/// rescans threads for the syscall counter; everything it does at the edges (talking to the client, reading CPU
/// times) happens outside the server-side window.
/// </summary>
internal static class MeasurementWindow
{
    public static Measurement Measure(IServerUnderTest server, LoadProcess client, LoadCase load, TimeSpan window)
    {
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

        double clientSeconds = (endClientTime - startClientTime) / (double)Stopwatch.Frequency;
        return new Measurement(server.Name, load, endCount - startCount, clientSeconds, serverSeconds, allocated, syscallCount, ring, serverCpu, clientCpu);
    }
}
