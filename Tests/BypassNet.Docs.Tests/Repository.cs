using System.Reflection;

namespace BypassNet.Docs.Tests;

/// <summary>The work tree the tests read, and the addresses Directory.Build.props sets once.</summary>
internal static class Repository
{
    /// <summary>The folder holding BypassNet.sln, above the test's output.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>BypassNetRepositoryUrl, as the build passed it to this assembly.</summary>
    public static string Url { get; } = Metadata("BypassNetRepositoryUrl");

    /// <summary>BypassNetRuleDocsUrl: the base of every rule help link.</summary>
    public static string RuleDocsUrl { get; } = Metadata("BypassNetRuleDocsUrl");

    /// <summary>A path under <see cref="Root"/>, given with forward slashes.</summary>
    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The documents whose C# must compile: the README, the package readmes and every rule page.</summary>
    public static IEnumerable<string> Documents()
    {
        yield return "README.md";
        foreach (var readme in Directory.GetFiles(PathOf("Runtime"), "PACKAGE.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            yield return Path.GetRelativePath(Root, readme).Replace(Path.DirectorySeparatorChar, '/');
        }

        foreach (var page in Directory.GetFiles(PathOf("docs/rules"), "*.md").Order(StringComparer.Ordinal))
        {
            yield return "docs/rules/" + Path.GetFileName(page);
        }
    }

    private static string FindRoot()
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

    private static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException(key + " was not passed to the test assembly by the build");
}
