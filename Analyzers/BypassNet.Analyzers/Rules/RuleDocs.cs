namespace BypassNet.Analyzers.Rules;

/// <summary>Where the rule documentation lives (docs/rules/ of the repository).</summary>
internal static class RuleDocs
{
    public const string Category = "Reliability";

    public static string HelpLink(string id) => "https://github.com/bypassnet/bypassnet/blob/main/docs/rules/" + id + ".md";
}
