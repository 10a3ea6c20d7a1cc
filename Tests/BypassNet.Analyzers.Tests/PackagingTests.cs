using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// End to end, as a user meets the packages: the solution is packed once (with --artifacts-path, which a hard-coded
/// bin path used to break), the packages are the ones the README's install section documents, each carries license,
/// readme, symbols and repository metadata, and a web app restored from the local feed (not project references) gets
/// the analyzers (BYP001 in its build) and the Kestrel face (UseBypassNet() compiles).
/// </summary>
public sealed class PackagingTests(PackedSolution packed) : IClassFixture<PackedSolution>
{
    private const string Version = "0.1.0";

    [PackagingFact]
    public void Packing_the_solution_yields_exactly_the_documented_packages()
    {
        var documented = Regex.Matches(File.ReadAllText(Path.Combine(packed.Source, "README.md")), @"dotnet add package (?<id>[A-Za-z.]+)")
            .Select(m => m.Groups["id"].Value).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["BypassNet", "BypassNet.AspNetCore"], documented);

        var produced = Directory.GetFiles(packed.Feed).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        var expected = documented.SelectMany(id => new[] { $"{id}.{Version}.nupkg", $"{id}.{Version}.snupkg" }).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, produced);
    }

    [PackagingTheory]
    [InlineData("BypassNet")]
    [InlineData("BypassNet.AspNetCore")]
    public void Each_package_has_license_readme_repository_and_its_library(string id)
    {
        using var package = ZipFile.OpenRead(packed.Package(id));
        var metadata = Nuspec(package, id);

        Assert.Equal("MIT", Element(metadata, "license").Value);
        Assert.Equal("expression", Element(metadata, "license").Attribute("type")?.Value);
        Assert.False(string.IsNullOrWhiteSpace(Element(metadata, "description").Value));
        Assert.False(string.IsNullOrWhiteSpace(Element(metadata, "tags").Value));
        Assert.Equal("BypassNet developers", Element(metadata, "authors").Value);

        // The package readme is the project's PACKAGE.md, not the repository README with its relative links.
        Assert.Equal("README.md", Element(metadata, "readme").Value);
        Assert.Equal(File.ReadAllText(Path.Combine(packed.Source, "Runtime", id, "PACKAGE.md")), ReadEntry(package, "README.md"));

        var repository = Element(metadata, "repository");
        Assert.Equal(PackedSolution.RepositoryUrl, repository.Attribute("url")?.Value);
        Assert.Equal(packed.Commit, repository.Attribute("commit")?.Value);
        Assert.Equal(PackedSolution.RepositoryUrl, Element(metadata, "projectUrl").Value);

        Assert.NotNull(package.GetEntry($"lib/net10.0/{id}.dll"));
        Assert.NotNull(package.GetEntry($"lib/net10.0/{id}.xml"));
        Assert.DoesNotContain(package.Entries, e => e.FullName.EndsWith(".pdb", StringComparison.Ordinal));
    }

    [PackagingFact]
    public void BypassNet_carries_the_analyzers_code_fixes_and_rule_pages_and_floors_its_dependency()
    {
        using var package = ZipFile.OpenRead(packed.Package("BypassNet"));
        var analyzers = package.Entries.Where(e => e.FullName.StartsWith("analyzers/", StringComparison.Ordinal)).Select(e => e.FullName).Order(StringComparer.Ordinal);
        Assert.Equal(["analyzers/dotnet/cs/BypassNet.Analyzers.dll", "analyzers/dotnet/cs/BypassNet.CodeFixes.dll"], analyzers);

        var pages = Directory.GetFiles(Path.Combine(packed.Source, "docs", "rules"), "*.md").Select(p => "docs/rules/" + Path.GetFileName(p)).ToList();
        Assert.NotEmpty(pages);
        foreach (var page in pages)
        {
            Assert.NotNull(package.GetEntry(page));
        }

        // The lowest supported version, not whatever patch the build happened to use.
        var dependency = Nuspec(package, "BypassNet").Descendants(Nuspec(package, "BypassNet").Name.Namespace + "dependency").Single();
        Assert.Equal("Microsoft.Extensions.Logging.Abstractions", dependency.Attribute("id")?.Value);
        Assert.Equal("10.0.0", dependency.Attribute("version")?.Value);
    }

    [PackagingFact]
    public void BypassNet_AspNetCore_depends_on_BypassNet_with_its_analyzers()
    {
        using var package = ZipFile.OpenRead(packed.Package("BypassNet.AspNetCore"));
        var metadata = Nuspec(package, "BypassNet.AspNetCore");
        var dependency = metadata.Descendants(metadata.Name.Namespace + "dependency").Single();
        Assert.Equal("BypassNet", dependency.Attribute("id")?.Value);
        Assert.Equal(Version, dependency.Attribute("version")?.Value);
        // A ProjectReference's default PrivateAssets would exclude "Analyzers" here and hide BYP001-BYP101 from web apps.
        Assert.DoesNotContain("Analyzers", dependency.Attribute("exclude")?.Value ?? string.Empty, StringComparison.Ordinal);
    }

    [PackagingTheory]
    [InlineData("BypassNet")]
    [InlineData("BypassNet.AspNetCore")]
    public void Symbols_map_deterministic_paths_to_the_commit_through_SourceLink(string id)
    {
        using var symbols = ZipFile.OpenRead(Path.ChangeExtension(packed.Package(id), ".snupkg"));
        var pdb = symbols.GetEntry($"lib/net10.0/{id}.pdb");
        Assert.NotNull(pdb);
        using var stream = new MemoryStream();
        using (var entry = pdb.Open())
        {
            entry.CopyTo(stream);
        }

        stream.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(stream);
        var reader = provider.GetMetadataReader();
        var sourceLinkKind = new Guid("CC110556-A091-4D38-9FEC-25AB9A351A6A");
        var sourceLink = reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Where(info => reader.GetGuid(info.Kind) == sourceLinkKind)
            .Select(info => System.Text.Encoding.UTF8.GetString(reader.GetBlobBytes(info.Value)))
            .Single();
        var raw = PackedSolution.RepositoryUrl.Replace("https://github.com/", "https://raw.githubusercontent.com/", StringComparison.Ordinal);
        Assert.Contains($"{raw}/{packed.Commit}/", sourceLink, StringComparison.Ordinal);

        // ContinuousIntegrationBuild: no path of the build machine in the PDB.
        var documents = reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name)).ToList();
        Assert.NotEmpty(documents);
        Assert.All(documents, d => Assert.StartsWith("/_/", d, StringComparison.Ordinal));
    }

    [PackagingFact]
    public void A_web_app_restored_from_the_feed_gets_the_analyzers_and_the_Kestrel_face()
    {
        // Only BypassNet.AspNetCore is referenced: BypassNet and its analyzers come with it.
        var consumer = Path.Combine(packed.Work, "webapp");
        Directory.CreateDirectory(consumer);
        File.WriteAllText(Path.Combine(consumer, "WebApp.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <NuGetAudit>false</NuGetAudit>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="BypassNet.AspNetCore" Version="{Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
            var builder = WebApplication.CreateBuilder(args);
            builder.WebHost.UseBypassNet();
            var app = builder.Build();
            app.MapGet("/", () => "hello");
            app.Run();
            """);
        File.WriteAllText(Path.Combine(consumer, "Misuse.cs"), """
            using BypassNet;

            public static class Misuse
            {
                public static async Task<int> EchoAsync(BypassSocket socket)
                {
                    var buffer = await socket.ReceiveAsync();
                    await socket.SendAsync(buffer);
                    return buffer.Length;
                }
            }
            """);
        packed.WriteNuGetConfig(consumer);

        var build = DotNet.Run(consumer, "build", "-c", "Release");
        Assert.True(build.Output.Contains("Misuse.cs(9,", StringComparison.Ordinal) && build.Output.Contains("error BYP001", StringComparison.Ordinal),
            "BYP001 not reported from the package's analyzers:\n" + build.Output);
        Assert.DoesNotContain("error CS", build.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, build.ExitCode);
    }

    private static XElement Nuspec(ZipArchive package, string id)
    {
        var document = XDocument.Parse(ReadEntry(package, id + ".nuspec"));
        return document.Root!.Element(document.Root.Name.Namespace + "metadata")!;
    }

    private static XElement Element(XElement metadata, string name) =>
        metadata.Element(metadata.Name.Namespace + name) ?? throw new Xunit.Sdk.XunitException($"nuspec has no <{name}>");

    private static string ReadEntry(ZipArchive package, string name)
    {
        var entry = package.GetEntry(name) ?? throw new Xunit.Sdk.XunitException(name + " is not in the package");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }
}
