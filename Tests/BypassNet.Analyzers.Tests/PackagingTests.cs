using System.Diagnostics;
using System.Text;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// End to end: the runtime package carries the analyzers, and a project that references it gets BYP001 at build.
/// The repository is copied to a temporary folder first, so the test never writes into the work tree and a
/// missing README (packed by the runtime) can be stood in for.
/// </summary>
public sealed class PackagingTests
{
    private const string ConsumerCode = """
        using System;
        using BypassNet;

        [Owned]
        public sealed class Chunk : IDisposable
        {
            public int Size => 0;
            public void Dispose() { }
        }

        public static class Wire
        {
            public static void Send([TakesOwnership] Chunk chunk) => chunk.Dispose();
        }

        public static class Program
        {
            public static int Main()
            {
                var chunk = new Chunk();
                Wire.Send(chunk);
                return chunk.Size;
            }
        }
        """;

    [PackagingFact]
    public void Consumer_of_the_package_gets_BYP001()
    {
        var root = FindRepositoryRoot();
        var work = Directory.CreateTempSubdirectory("bypassnet-pack-");
        try
        {
            var copy = Path.Combine(work.FullName, "repo");
            CopyRepository(root, copy);
            var feed = Path.Combine(work.FullName, "feed");
            var pack = Run(copy, "pack", "Runtime/BypassNet/BypassNet.csproj", "-c", "Release", "-o", feed);
            Assert.True(pack.ExitCode == 0, "dotnet pack failed:\n" + pack.Output);
            Assert.True(File.Exists(Path.Combine(feed, "BypassNet.0.1.0.nupkg")), "BypassNet.0.1.0.nupkg not produced:\n" + pack.Output);

            var consumer = Path.Combine(work.FullName, "consumer");
            Directory.CreateDirectory(consumer);
            File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <NuGetAudit>false</NuGetAudit>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="BypassNet" Version="0.1.0" />
                  </ItemGroup>
                </Project>
                """);

            // The local feed is added to the machine's usual sources; a private package folder keeps this freshly
            // packed 0.1.0 from being shadowed by (or leaking into) the user's package cache.
            File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <config>
                    <add key="globalPackagesFolder" value="{Path.Combine(work.FullName, "packages")}" />
                  </config>
                  <packageSources>
                    <add key="bypassnet-local" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(consumer, "Program.cs"), ConsumerCode);

            var build = Run(consumer, "build", "-c", "Release");
            Assert.Contains("BYP001", build.Output, StringComparison.Ordinal);
            Assert.NotEqual(0, build.ExitCode);
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A build server may still hold a file; the temp folder is cleaned up by the OS.
            }
        }
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

    private static readonly HashSet<string> SkippedDirectories = new(StringComparer.Ordinal) { ".git", "bin", "obj", "Tests", "TestResults", "artifacts", ".vs" };

    private static void CopyRepository(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(source))
        {
            if (!SkippedDirectories.Contains(Path.GetFileName(dir)))
            {
                CopyRepository(dir, Path.Combine(destination, Path.GetFileName(dir)));
            }
        }

        var readme = Path.Combine(destination, "README.md");
        if (source.Length > 0 && !File.Exists(readme) && File.Exists(Path.Combine(destination, "BypassNet.sln")))
        {
            // The runtime packs the repository README; stand in for it until one exists.
            File.WriteAllText(readme, "# BypassNet\n");
        }
    }

    private static (int ExitCode, string Output) Run(string workingDirectory, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // No build servers: nothing outlives the test.
        info.ArgumentList.Add("--disable-build-servers");
        info.ArgumentList.Add("-p:UseSharedCompilation=false");
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet " + string.Join(' ', arguments) + " timed out:\n" + output);
        }

        process.WaitForExit();
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
