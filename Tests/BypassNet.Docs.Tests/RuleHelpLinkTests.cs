using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace BypassNet.Docs.Tests;

/// <summary>
/// Every diagnostic the analyzer assembly ships links to its rule page under the one base set in Directory.Build.props,
/// and that page exists in docs/rules/ (which the BypassNet package carries).
/// </summary>
public sealed class RuleHelpLinkTests
{
    private static IReadOnlyList<DiagnosticDescriptor> ShippedDescriptors() => ShippedAnalyzers.Descriptors();

    [Fact]
    public void The_analyzers_ship_the_documented_rules()
    {
        // Guards the reflection below: an empty list would make the other tests pass vacuously.
        var ids = ShippedDescriptors().Select(d => d.Id).ToList();
        Assert.Contains("BYP001", ids);
        Assert.Contains("BYP100", ids);
        Assert.True(ids.Count >= 6, "only " + string.Join(", ", ids));
    }

    [Fact]
    public void Every_help_link_is_the_rule_page_under_the_one_base_url()
    {
        Assert.StartsWith(Repository.Url + "/", Repository.RuleDocsUrl, StringComparison.Ordinal);
        foreach (var descriptor in ShippedDescriptors())
        {
            Assert.Equal(Repository.RuleDocsUrl + descriptor.Id + ".md", descriptor.HelpLinkUri);
        }
    }

    [Fact]
    public void Every_shipped_rule_has_its_page()
    {
        var missing = ShippedDescriptors().Select(d => d.Id).Where(id => !File.Exists(Repository.PathOf("docs/rules/" + id + ".md"))).ToList();
        Assert.True(missing.Count == 0, "no docs/rules page for " + string.Join(", ", missing));
    }

    [Fact]
    public void Release_tracking_documentation_links_use_the_same_base()
    {
        // AnalyzerReleases.*.md repeat the help links as text; they must not drift from the build property.
        foreach (var file in new[] { "AnalyzerReleases.Shipped.md", "AnalyzerReleases.Unshipped.md" })
        {
            var text = File.ReadAllText(Repository.PathOf("Analyzers/BypassNet.Analyzers/" + file));
            foreach (Match link in DocumentationLinks.Matches(text))
            {
                Assert.Equal(Repository.RuleDocsUrl + link.Groups["id"].Value + ".md", link.Groups["url"].Value);
            }
        }
    }

    private static readonly Regex DocumentationLinks = new(@"\[Documentation\]\((?<url>[^)]*?(?<id>BYP\d+)\.md)\)", RegexOptions.CultureInvariant);
}
