using System.Diagnostics;

namespace BypassNet.Tests.Support;

/// <summary>Runs BypassNet.Tests.Host as a child process, optionally under prlimit/setpriv, and captures what it prints.</summary>
public static class HostProcess
{
    public static string HostDll
    {
        get
        {
            // Tests/BypassNet.Tests/bin/<Configuration>/<tfm>/ → Tests/BypassNet.Tests.Host/bin/<Configuration>/<tfm>/
            var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string tfm = bin.Name;
            string configuration = bin.Parent!.Name;
            DirectoryInfo testsRoot = bin.Parent!.Parent!.Parent!.Parent!;
            return Path.Combine(testsRoot.FullName, "BypassNet.Tests.Host", "bin", configuration, tfm, "BypassNet.Tests.Host.dll");
        }
    }

    public static (int ExitCode, string Output) Run(IDictionary<string, string>? environment = null, params string[] wrapper)
    {
        var start = new ProcessStartInfo
        {
            FileName = wrapper.Length > 0 ? wrapper[0] : "dotnet",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in wrapper.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        if (wrapper.Length > 0)
        {
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(HostDll);
        start.Environment.Remove("BYPASSNET_ENGINE");
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The host process did not finish in 120 s.");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public static bool CommandExists(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(dir => File.Exists(Path.Combine(dir, name)));
}
