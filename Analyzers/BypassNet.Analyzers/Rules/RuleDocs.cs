namespace BypassNet.Analyzers.Rules;

/// <summary>Where the rule documentation lives (docs/rules/ of the repository).</summary>
internal static class RuleDocs
{
    public const string Category = "Reliability";

    /// <summary>The rule page of <paramref name="id"/>: docs/rules/ID.md under the repository address set in Directory.Build.props.</summary>
    public static string HelpLink(string id) => RuleDocsUrl.Base + id + ".md";
}
