using BypassNet.Tests.Support;

namespace BypassNet.Tests.Sockets;

/// <summary>
/// What happens where io_uring is missing or constrained. Each case runs a child process, since these conditions
/// (environment, user, RLIMIT_MEMLOCK) are process-wide.
/// </summary>
public sealed class EnvironmentFallbackTests
{
    [Fact]
    public void Forcing_the_socket_engine_works_and_is_logged()
    {
        (int exit, string output) = HostProcess.Run(new Dictionary<string, string> { ["BYPASSNET_ENGINE"] = "socket" });
        Assert.True(exit == 0, output);
        Assert.Contains("engine=Socket", output);
        Assert.Contains("[102]", output);
        Assert.Contains("echo=ok", output);
    }

    [Theory]
    [InlineData(38, "ENOSYS")]
    [InlineData(1, "EPERM")]
    public void A_failing_io_uring_setup_falls_back_to_sockets_and_says_why(int errno, string name)
    {
        // The kernel will not fail io_uring_setup on demand, so the failure is injected (BYPASSNET_SIMULATE_SETUP_ERRNO).
        (int exit, string output) = HostProcess.Run(new Dictionary<string, string> { ["BYPASSNET_SIMULATE_SETUP_ERRNO"] = errno.ToString() });
        Assert.True(exit == 0, output);
        Assert.Contains("engine=Socket", output);
        Assert.Contains("[101]", output);
        Assert.Contains(name, output);
        Assert.Contains("echo=ok", output);
    }

    [SkippableFact]
    public void A_small_memlock_limit_as_an_unprivileged_user_degrades_registration_and_still_echoes()
    {
        // 1 MiB holds the rings but not the 24 MiB slab registration.
        (int exit, string output) = RunAsNobody(1024 * 1024);
        Assert.True(exit == 0, output);
        Assert.Contains("engine=IoUring", output);
        // IORING_REGISTER_BUFFERS needs far more locked memory: ENOMEM, logged once, not fatal.
        Assert.Contains("[200]", output);
        Assert.Contains("errno 12", output);
        Assert.Contains("echo=ok", output);
    }

    [SkippableFact]
    public void A_memlock_limit_too_small_for_the_rings_falls_back_to_sockets()
    {
        (int exit, string output) = RunAsNobody(64 * 1024);
        Assert.True(exit == 0, output);
        Assert.Contains("engine=Socket", output);
        Assert.Contains("[101]", output);
        Assert.Contains("errno 12", output);
        Assert.Contains("echo=ok", output);
    }

    private static (int ExitCode, string Output) RunAsNobody(int memlockBytes)
    {
        Skip.IfNot(TestEngines.IoUringAvailable, "io_uring is unavailable on this machine");
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "needs root on Linux to switch to the nobody user");
        Skip.IfNot(HostProcess.CommandExists("setpriv") && HostProcess.CommandExists("prlimit"), "setpriv/prlimit (util-linux) missing");
        string home = Path.Combine(Path.GetTempPath(), "bypassnet-nobody-home");
        Directory.CreateDirectory(home);
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(home, (UnixFileMode)0x1FF);
        }
        var environment = new Dictionary<string, string> { ["HOME"] = home, ["DOTNET_CLI_HOME"] = home };
        return HostProcess.Run(
            environment,
            "prlimit", $"--memlock={memlockBytes}:{memlockBytes}",
            "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all");
    }
}
