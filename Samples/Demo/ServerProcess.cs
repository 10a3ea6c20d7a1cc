using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BypassNet.Samples.Demo;

/// <summary>
/// An echo server in a process of its own (the BypassNet EchoServer sample at its defaults, the System.Net.Sockets
/// baseline, the C liburing anchor): started on a free port, ready once it prints a line containing "listening",
/// measured by pid. .NET servers get the allocation probe as a startup hook, so their allocations can be read.
/// </summary>
internal sealed class ServerProcess : IServerUnderTest
{
    private readonly Process _process;
    private readonly AllocationProbeClient? _probe;
    private readonly string? _probePath;

    private ServerProcess(string name, Process process, IPEndPoint endPoint, AllocationProbeClient? probe, string? probePath)
    {
        Name = name;
        _process = process;
        EndPoint = endPoint;
        _probe = probe;
        _probePath = probePath;
    }

    public string Name { get; }

    public IPEndPoint EndPoint { get; }

    public int ProcessId => _process.Id;

    /// <summary>The line in which the server said it was listening (the EchoServer names its engine there).</summary>
    public string Banner { get; private init; } = string.Empty;

    /// <summary>
    /// Starts <paramref name="fileName"/> with <paramref name="arguments"/>, where <c>{port}</c> stands for the chosen
    /// port. <paramref name="dotnet"/> servers get the allocation probe.
    /// </summary>
    public static ServerProcess Start(string name, string fileName, IEnumerable<string> arguments, bool dotnet)
    {
        int port = FreePort();
        var start = new ProcessStartInfo(fileName) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument.Replace("{port}", port.ToString(), StringComparison.Ordinal));
        }

        string? probePath = null;
        if (dotnet)
        {
            probePath = Path.Combine(Path.GetTempPath(), $"bypassnet-alloc-{Environment.ProcessId}-{port}.sock");
            start.Environment["DOTNET_STARTUP_HOOKS"] = AllocationProbeClient.HookPath;
            start.Environment["BYPASSNET_ALLOCATION_PROBE"] = probePath;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        try
        {
            string? line;
            do
            {
                Task<string?> read = process.StandardOutput.ReadLineAsync();
                line = read.Wait(TimeSpan.FromSeconds(60)) ? read.Result : throw new TimeoutException($"{name} did not say 'listening' within 60 s.");
            }
            while (line is not null && !line.Contains("listening", StringComparison.Ordinal));

            if (line is null)
            {
                throw new InvalidOperationException($"{name} ({fileName}) exited before it was listening.");
            }

            // Whatever the server prints later must not fill the pipe and block it.
            _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
            AllocationProbeClient? probe = probePath is null ? null : AllocationProbeClient.Connect(probePath);
            return new ServerProcess(name, process, new IPEndPoint(IPAddress.Loopback, port), probe, probePath) { Banner = line };
        }
        catch
        {
            process.Kill();
            process.WaitForExit(10_000);
            process.Dispose();
            throw;
        }
    }

    public long? ReadAllocatedBytes() => _probe?.Read();

    public ValueTask DisposeAsync()
    {
        _probe?.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        if (_probePath is not null)
        {
            File.Delete(_probePath);
        }

        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
