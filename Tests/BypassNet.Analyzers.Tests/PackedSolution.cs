using System.Diagnostics;
using System.Reflection;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// The solution packed once for <see cref="PackagingTests"/>: the work tree's sources are copied to a temporary folder
/// (so nothing is written into the work tree), committed to a throwaway git repository whose remote is the project's
/// address (so SourceLink has a commit to point at), and packed with <c>dotnet pack BypassNet.sln --artifacts-path</c>
/// as a CI build. The work happens on first use, so skipped tests cost nothing.
/// </summary>
public sealed class PackedSolution : IDisposable
{
    private static readonly HashSet<string> SkippedDirectories = new(StringComparer.Ordinal) { ".git", "bin", "obj", "TestResults", "artifacts", ".vs" };

    private readonly Lazy<(string Commit, string Feed)> _packed;

    /// <summary>Creates the temporary folder; packing waits for the first test that needs it.</summary>
    public PackedSolution()
    {
        Work = Directory.CreateTempSubdirectory("bypassnet-pack-").FullName;
        Source = Path.Combine(Work, "repo");
        _packed = new Lazy<(string, string)>(Pack);
    }

    /// <summary>BypassNetRepositoryUrl from Directory.Build.props, as the build passed it to this assembly.</summary>
    public static string RepositoryUrl { get; } =
        typeof(PackedSolution).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BypassNetRepositoryUrl").Value!;

    /// <summary>The temporary folder everything is written under.</summary>
    public string Work { get; }

    /// <summary>The copy of the sources that was packed.</summary>
    public string Source { get; }

    /// <summary>The commit of <see cref="Source"/> that the packages and symbols name.</summary>
    public string Commit => _packed.Value.Commit;

    /// <summary>The folder holding the .nupkg and .snupkg files (artifacts/package/release).</summary>
    public string Feed => _packed.Value.Feed;

    /// <summary>The path of the .nupkg of <paramref name="id"/>.</summary>
    public string Package(string id) => Path.Combine(Feed, $"{id}.0.1.0.nupkg");

    /// <summary>
    /// A nuget.config for a consumer: BypassNet packages come only from <see cref="Feed"/>, everything else from the
    /// machine's package cache (offline), and a private packages folder keeps this 0.1.0 out of the user's cache.
    /// </summary>
    public void WriteNuGetConfig(string directory)
    {
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(Work, "packages")}" />
              </config>
              <packageSources>
                <clear />
                <add key="bypassnet-local" value="{Feed}" />
                <add key="machine-cache" value="{cache}" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="bypassnet-local">
                  <package pattern="BypassNet" />
                  <package pattern="BypassNet.*" />
                </packageSource>
                <packageSource key="machine-cache">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Directory.Delete(Work, recursive: true);
        }
        catch (IOException)
        {
            // A build process may still hold a file; the OS cleans the temp folder.
        }
    }

    private (string Commit, string Feed) Pack()
    {
        CopySources(FindRepositoryRoot(), Source);
        if (File.Exists(Path.Combine(Source, ".git")) || Directory.Exists(Path.Combine(Source, ".git")))
        {
            throw new InvalidOperationException("the copy must not carry the work tree's .git");
        }

        Git("init", "-q");
        Git("remote", "add", "origin", RepositoryUrl);
        Git("add", "-A");
        Git("-c", "user.name=packaging-test", "-c", "user.email=packaging-test@localhost", "commit", "-q", "-m", "packaging test");
        var commit = Git("rev-parse", "HEAD").Trim();

        // Inside the repository, as a CI build uses it (and as .gitignore expects): generated sources map to /_/ too.
        var artifacts = Path.Combine(Source, "artifacts");
        var pack = DotNet.Run(Source, "pack", "BypassNet.sln", "-c", "Release", "--artifacts-path", artifacts, "-p:ContinuousIntegrationBuild=true");
        if (pack.ExitCode != 0)
        {
            throw new InvalidOperationException("dotnet pack BypassNet.sln --artifacts-path failed:\n" + pack.Output);
        }

        return (commit, Path.Combine(artifacts, "package", "release"));
    }

    private string Git(params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = Source, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };

        // The throwaway repository only, named explicitly: no discovery that could climb into another repository.
        info.Environment["GIT_DIR"] = Path.Combine(Source, ".git");
        info.Environment["GIT_WORK_TREE"] = Source;
        info.Environment["GIT_CEILING_DIRECTORIES"] = Work;
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)) || process.ExitCode != 0)
        {
            throw new InvalidOperationException("git " + string.Join(' ', arguments) + " failed: " + error.Result);
        }

        return output;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BypassNet.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("BypassNet.sln not found above " + AppContext.BaseDirectory);
    }

    private static void CopySources(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.GetFiles(source))
        {
            // In a git worktree .git is a file pointing at the real repository: never copy it, or git commands in the
            // copy would act on the developer's repository.
            if (Path.GetFileName(file) != ".git")
            {
                File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
            }
        }

        foreach (var dir in Directory.GetDirectories(source))
        {
            if (!SkippedDirectories.Contains(Path.GetFileName(dir)))
            {
                CopySources(dir, Path.Combine(destination, Path.GetFileName(dir)));
            }
        }
    }
}
