using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace BypassNet.FaultTests.Support;

/// <summary>
/// A program of this repository (a sample, the test host) run as a child process, optionally under wrappers such as
/// <c>prlimit</c>, <c>setpriv</c> or the seccomp launcher, which exec the next program so the pid stays the same.
/// Output is collected as it comes; disposing kills the child (its own process tree only).
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly object _gate = new();

    private ChildProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The repository root, found from this test assembly's bin folder.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "BypassNet.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("BypassNet.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Everything the child printed so far (stdout and stderr interleaved by line).</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The built dll of project <paramref name="project"/> (e.g. Samples/EchoServer/EchoServer), same configuration as the tests.</summary>
    public static string Dll(string projectDirectory, string assemblyName)
    {
        // Tests/BypassNet.FaultTests/bin/<Configuration>/<tfm>/
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string path = Path.Combine(RepositoryRoot, projectDirectory, "bin", bin.Parent!.Name, bin.Name, assemblyName + ".dll");
        Assert.True(File.Exists(path), $"{path} is not built");
        return path;
    }

    /// <summary>Starts <c>wrapper... dotnet dll arguments...</c>.</summary>
    public static ChildProcess Start(string dll, IEnumerable<string> arguments, IEnumerable<string>? wrapper = null, IDictionary<string, string>? environment = null)
    {
        var command = new List<string>(wrapper ?? []) { "dotnet", dll };
        command.AddRange(arguments);
        var start = new ProcessStartInfo
        {
            FileName = command[0],
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("BYPASSNET_ENGINE");
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return new ChildProcess(Process.Start(start)!);
    }

    /// <summary>Waits (hang guard only) until a printed line contains <paramref name="text"/>, and returns that line.</summary>
    public async Task<string> WaitForLineAsync(string text)
    {
        DateTime deadline = DateTime.UtcNow + Faults.Guard;
        while (true)
        {
            string output = Output;
            int at = output.IndexOf(text, StringComparison.Ordinal);
            if (at >= 0)
            {
                int end = output.IndexOf('\n', at);
                int start = output.LastIndexOf('\n', at) + 1;
                return output[start..(end < 0 ? output.Length : end)];
            }

            if (_process.HasExited)
            {
                _process.WaitForExit();
                Assert.Fail($"the child exited ({_process.ExitCode}) before printing '{text}':\n{Output}");
            }

            Assert.True(DateTime.UtcNow < deadline, $"no '{text}' within {Faults.Guard.TotalSeconds} s:\n{output}");
            await Task.Delay(20);
        }
    }

    /// <summary>The port a sample server prints in its "listening on 127.0.0.1:PORT" line (waits for the line).</summary>
    public async Task<int> ListeningPortAsync()
    {
        string line = await WaitForLineAsync("listening on");
        return int.Parse(Regex.Match(line, @":(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>A client socket (Nagle off) connected to 127.0.0.1:<paramref name="port"/>, within the hang guard.</summary>
    public static async Task<Socket> ConnectLoopbackAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(Faults.Guard);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Waits (hang guard only) for the child to exit on its own.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var guard = new CancellationTokenSource(Faults.Guard);
        await _process.WaitForExitAsync(guard.Token);
        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    /// <summary>True when <paramref name="name"/> is an executable on PATH.</summary>
    public static bool CommandExists(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(dir => File.Exists(Path.Combine(dir, name)));

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.Append(line).Append('\n');
        }
    }
}
