using System.Text.RegularExpressions;

namespace BypassNet.Docs.Tests;

/// <summary>
/// The package readmes are shown on a package page, where a relative link goes nowhere: every link is absolute, and
/// links into the repository use the one address set in Directory.Build.props.
/// </summary>
public sealed class PackageReadmeTests
{
    public static TheoryData<string> Readmes() => [.. Repository.Documents().Where(d => d.EndsWith("/PACKAGE.md", StringComparison.Ordinal))];

    [Fact]
    public void Both_packages_have_a_readme()
    {
        Assert.Equal(["Runtime/BypassNet.AspNetCore/PACKAGE.md", "Runtime/BypassNet/PACKAGE.md"], Repository.Documents().Where(d => d.EndsWith("/PACKAGE.md", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Readmes))]
    public void Every_link_is_absolute(string readme)
    {
        var text = File.ReadAllText(Repository.PathOf(readme));
        var links = MarkdownLinks.Matches(text).Select(m => m.Groups["target"].Value).ToList();
        Assert.NotEmpty(links);
        var relative = links.Where(l => !l.StartsWith("https://", StringComparison.Ordinal)).ToList();
        Assert.True(relative.Count == 0, readme + " has links a package page cannot follow: " + string.Join(", ", relative));
        var stale = links.Where(l => l.StartsWith("https://github.com/", StringComparison.Ordinal) && !l.StartsWith(Repository.Url + "/", StringComparison.Ordinal) && l != Repository.Url).ToList();
        Assert.True(stale.Count == 0, readme + " links to another repository address than " + Repository.Url + ": " + string.Join(", ", stale));
    }

    [Theory]
    [MemberData(nameof(Readmes))]
    public void Every_repository_file_it_links_exists(string readme)
    {
        var text = File.ReadAllText(Repository.PathOf(readme));
        // The branch part of the address, as in BypassNetRuleDocsUrl (.../blob/main/docs/rules/).
        var prefix = Repository.RuleDocsUrl[..^"docs/rules/".Length];
        var missing = MarkdownLinks.Matches(text)
            .Select(m => m.Groups["target"].Value.Split('#')[0])
            .Select(l => l.Replace("/tree/", "/blob/", StringComparison.Ordinal))
            .Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => l[prefix.Length..])
            .Where(path => !File.Exists(Repository.PathOf(path)) && !Directory.Exists(Repository.PathOf(path)))
            .ToList();
        Assert.True(missing.Count == 0, readme + " links to files that do not exist: " + string.Join(", ", missing));
    }

    // [text](target) and ![alt](target).
    private static readonly Regex MarkdownLinks = new(@"!?\[[^\]]*\]\((?<target>[^)\s]+)\)", RegexOptions.CultureInvariant);
}
