using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace BypassNet.CodeFixes.Tests.EndToEnd;

/// <summary>
/// Runs Samples/Migration/migrate.sh from start to end: dotnet format applies BYP100 to the echo app, the result builds,
/// runs on io_uring and echoes every byte intact. Slow (several builds): filter it out with
/// <c>--filter Category!=EndToEnd</c>.
/// </summary>
public class MigrationScriptTests
{
    private readonly ITestOutputHelper _output;

    public MigrationScriptTests(ITestOutputHelper output) => _output = output;

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task Migrate_script_swaps_the_echo_app_to_BypassSocket_and_it_still_echoes()
    {
        string script = Path.Combine(RepositoryRoot(), "Samples", "Migration", "migrate.sh");
        Assert.True(File.Exists(script), script);
        string scratch = Path.Combine(Path.GetTempPath(), "bypassnet-migration-test-" + Guid.NewGuid().ToString("N")[..8]);

        var start = new ProcessStartInfo("bash", new[] { script, scratch, "60" })
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // dotnet test exports MSBuild settings for its own build; the script's builds must start clean.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) || k == "DOTNET_HOST_PATH").ToList())
        {
            start.Environment.Remove(name);
        }

        if (!BypassNet.Testing.IoUringAvailability.Available)
        {
            start.Environment["BYPASSNET_ALLOW_FALLBACK"] = "1";
        }

        var log = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(25));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        finally
        {
            _output.WriteLine(log.ToString());
        }

        string text = log.ToString();
        Assert.True(process.ExitCode == 0, $"migrate.sh exited with {process.ExitCode}");
        Assert.Contains("MIGRATION OK", text);
        Assert.Contains("+    private readonly BypassSocket _listener;", text);
        Assert.Contains("OK: 60 payloads", text);
        try
        {
            Directory.Delete(scratch, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BypassNet.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("BypassNet.sln not found above " + AppContext.BaseDirectory);
    }
}
