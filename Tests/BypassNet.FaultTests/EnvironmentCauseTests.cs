using System.Diagnostics;
using BypassNet.FaultTests.Support;

namespace BypassNet.FaultTests;

/// <summary>
/// Real restrictions, produced for real in child processes: a seccomp filter denying io_uring_setup (a small launcher
/// over libseccomp) and small RLIMIT_MEMLOCK values for an unprivileged user (prlimit + setpriv). The runtime must name
/// the cause — seccomp, memlock with its value — fall back or degrade, and fail instead when io_uring was asked for.
/// </summary>
public sealed class EnvironmentCauseTests
{
    private static readonly Lazy<string?> s_launcher = new(BuildLauncher);

    private static string HostDll => ChildProcess.Dll("Tests/BypassNet.Tests.Host", "BypassNet.Tests.Host");

    [SkippableFact]
    public async Task Seccomp_denying_io_uring_setup_falls_back_to_sockets_with_a_reason_naming_seccomp()
    {
        string launcher = RequireLauncher();
        using ChildProcess host = ChildProcess.Start(HostDll, [], [launcher]);
        Assert.Equal(0, await host.WaitForExitAsync());
        Assert.Contains("engine=Socket", host.Output);
        Assert.Matches("fallback=.*EPERM.*seccomp", host.Output);
        Assert.Contains("echo=ok", host.Output);
    }

    [SkippableFact]
    public async Task Seccomp_denying_io_uring_setup_with_io_uring_asked_for_fails_naming_seccomp()
    {
        string launcher = RequireLauncher();
        using ChildProcess host = ChildProcess.Start(HostDll, ["iouring"], [launcher]);
        Assert.Equal(3, await host.WaitForExitAsync());
        Assert.Matches("refused=.*asks for io_uring.*seccomp", host.Output);

        using ChildProcess echo = ChildProcess.Start(ChildProcess.Dll("Samples/EchoServer", "EchoServer"), ["--port", "0", "--engine", "iouring"], [launcher]);
        Assert.Equal(1, await echo.WaitForExitAsync());
        Assert.Matches("cannot run on io_uring: .*seccomp", echo.Output);
    }

    [SkippableFact]
    public async Task A_memlock_limit_too_small_for_the_rings_names_memlock_and_its_value()
    {
        using ChildProcess host = RunAsNobody(64 * 1024, HostDll, []);
        Assert.Equal(0, await host.WaitForExitAsync());
        Assert.Contains("engine=Socket", host.Output);
        Assert.Contains("RLIMIT_MEMLOCK is 64 KiB", host.Output);
        Assert.Contains("echo=ok", host.Output);

        using ChildProcess refused = RunAsNobody(64 * 1024, HostDll, ["iouring"]);
        Assert.Equal(3, await refused.WaitForExitAsync());
        Assert.Matches("refused=.*RLIMIT_MEMLOCK is 64 KiB", refused.Output);
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(8)]
    public async Task A_memlock_limit_of_a_few_MiB_is_a_listed_degradation_naming_memlock_and_its_value(int mebibytes)
    {
        using ChildProcess host = RunAsNobody(mebibytes * 1024 * 1024, HostDll, []);
        Assert.Equal(0, await host.WaitForExitAsync());
        Assert.Contains("engine=IoUring", host.Output);
        Assert.Matches($"degradation=FixedBuffers: .*RLIMIT_MEMLOCK is {mebibytes} MiB", host.Output);
        Assert.Contains("[103]", host.Output);
        Assert.Contains("echo=ok", host.Output);
    }

    [SkippableTheory]
    [InlineData("Samples/EchoServer", "EchoServer")]
    [InlineData("Samples/RespServer", "RespServer")]
    public async Task The_samples_print_the_engine_and_the_memlock_degradation_at_start_up(string project, string assembly)
    {
        using ChildProcess server = RunAsNobody(4 * 1024 * 1024, ChildProcess.Dll(project, assembly), ["--port", "0"]);
        await server.WaitForLineAsync("listening on");
        Assert.Contains("engine IoUring", server.Output);
        Assert.Matches("degraded: FixedBuffers: .*RLIMIT_MEMLOCK is 4 MiB", server.Output);
    }

    private static string RequireLauncher()
    {
        Skip.IfNot(Faults.IoUringAvailable, "io_uring is unavailable on this machine, so denying it proves nothing");
        string? launcher = s_launcher.Value;
        Skip.If(launcher is null, "gcc or libseccomp-dev missing (.ci/run installs libseccomp-dev)");
        return launcher!;
    }

    private static ChildProcess RunAsNobody(int memlockBytes, string dll, string[] arguments)
    {
        Skip.IfNot(Faults.IoUringAvailable, "io_uring is unavailable on this machine");
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "needs root on Linux to switch to the nobody user");
        Skip.IfNot(ChildProcess.CommandExists("setpriv") && ChildProcess.CommandExists("prlimit"), "setpriv/prlimit (util-linux) missing");
        string home = Path.Combine(Path.GetTempPath(), "bypassnet-nobody-home");
        Directory.CreateDirectory(home);
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(home, (UnixFileMode)0x1FF);
        }

        return ChildProcess.Start(
            dll,
            arguments,
            ["prlimit", $"--memlock={memlockBytes}:{memlockBytes}", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"],
            new Dictionary<string, string> { ["HOME"] = home, ["DOTNET_CLI_HOME"] = home });
    }

    /// <summary>Compiles Support/deny-io-uring.c once per run; null when gcc or libseccomp is missing.</summary>
    private static string? BuildLauncher()
    {
        string source = Path.Combine(AppContext.BaseDirectory, "Support", "deny-io-uring.c");
        string output = Path.Combine(Path.GetTempPath(), $"bypassnet-deny-io-uring-{Environment.ProcessId}");
        if (!ChildProcess.CommandExists("gcc") || !File.Exists("/usr/include/seccomp.h"))
        {
            return null;
        }

        var start = new ProcessStartInfo("gcc", ["-O2", "-o", output, source, "-lseccomp"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using Process gcc = Process.Start(start)!;
        string errors = gcc.StandardError.ReadToEnd();
        Assert.True(gcc.WaitForExit(60_000), "gcc did not finish in 60 s");
        Assert.True(gcc.ExitCode == 0, $"gcc failed: {errors}");
        return output;
    }
}
