using System.Diagnostics;

namespace BypassNet.Samples.Demo;

/// <summary>The parent's handle on a load generator process (this executable started with <c>--load</c>); see <see cref="LoadClient"/>.</summary>
internal sealed class LoadProcess : IDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;

    private LoadProcess(Process process) => _process = process;

    /// <summary>Starts the client against 127.0.0.1:<paramref name="port"/> and returns once every connection is up.</summary>
    public static LoadProcess Start(int port, LoadCase load)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // Run as an apphost, or as "dotnet Demo.dll": either way the child is this same program.
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this executable is unknown.");
        start.FileName = self;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(LoadProcess).Assembly.Location);
        }

        foreach (string argument in new[] { "--load", "--port", port.ToString(), "--connections", load.Connections.ToString(), "--size", load.MessageSize.ToString() })
        {
            start.ArgumentList.Add(argument);
        }

        // The client should cost as little as possible: with completions run on the epoll thread instead of the thread
        // pool it needs about half the CPU per round trip, leaving the cores to the server being measured.
        start.Environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1";

        var process = Process.Start(start) ?? throw new InvalidOperationException("The load client did not start.");
        var client = new LoadProcess(process);
        try
        {
            client.Expect("ready");
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public int ProcessId => _process.Id;

    /// <summary>Round trips so far, when the client counted them, and its latency percentiles since the previous mark.</summary>
    public LoadMark Mark()
    {
        _process.StandardInput.WriteLine("mark");
        _process.StandardInput.Flush();
        string[] parts = Expect("count").Split(' ');
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        return new LoadMark(long.Parse(parts[1], invariant), long.Parse(parts[2], invariant), double.Parse(parts[3], invariant), double.Parse(parts[4], invariant));
    }

    /// <summary>Holds every connection after its current exchange.</summary>
    public void Pause() => Command("pause", "paused");

    /// <summary>Lets the connections go again.</summary>
    public void Resume() => Command("resume", "resumed");

    /// <summary>Closes the client's connections in order and waits for it to exit.</summary>
    public void Stop()
    {
        _process.StandardInput.WriteLine("stop");
        _process.StandardInput.Flush();
        Expect("done");
        if (!_process.WaitForExit(ReplyTimeout))
        {
            throw new TimeoutException("The load client did not exit.");
        }
    }

    private void Command(string command, string answer)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        Expect(answer);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(ReplyTimeout);
        }

        _process.Dispose();
    }

    private string Expect(string prefix)
    {
        Task<string?> read = _process.StandardOutput.ReadLineAsync();
        if (!read.Wait(ReplyTimeout))
        {
            throw new TimeoutException($"The load client did not answer '{prefix}' within {ReplyTimeout.TotalSeconds} s.");
        }

        string? line = read.Result;
        if (line is null || !line.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The load client answered '{line ?? "(end of output)"}' instead of '{prefix}'.");
        }

        return line;
    }
}
