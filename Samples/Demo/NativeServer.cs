using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BypassNet.Samples.Demo;

/// <summary>An echo server in another process (the C io_uring anchor): started with a free port, measured by pid.</summary>
internal sealed class NativeServer : IServerUnderTest
{
    private readonly Process _process;

    private NativeServer(Process process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    public string Name => "C liburing (anchor)";

    public IPEndPoint EndPoint { get; }

    public int ProcessId => _process.Id;

    public bool InProcess => false;

    public static NativeServer Start(string path)
    {
        int port = FreePort();
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(port.ToString());
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{path} did not start.");
        string? line = process.StandardOutput.ReadLine();
        if (line is null || !line.Contains("listening", StringComparison.Ordinal))
        {
            process.Kill();
            process.Dispose();
            throw new InvalidOperationException($"{path} printed '{line}' instead of a line containing 'listening'.");
        }

        return new NativeServer(process, new IPEndPoint(IPAddress.Loopback, port));
    }

    public RingFigures? ReadRingFigures() => null;

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
