using System.Text.RegularExpressions;
using BypassNet.CodeFixes.Tests.Verifier;

namespace BypassNet.CodeFixes.Tests.Migration;

/// <summary>
/// The before/after examples on the BYP100 and BYP101 rule pages are what the fixes really produce: each page's first
/// C# block, fixed, is its second C# block (the BYP101 page adds one comment).
/// </summary>
public class RulePageExampleTests
{
    [Fact]
    public async Task BYP100_page_example_is_what_the_fix_produces()
    {
        (string before, string after) = Example("BYP100.md");
        await CodeFixVerifier<BypassNet.Analyzers.Migration.SocketMigrationAnalyzer, BypassNet.CodeFixes.Migration.SocketMigrationCodeFixProvider>
            .VerifyFixAsync("BYP100", TestProject.From(before), new[] { after });
    }

    [Fact]
    public async Task BYP101_page_example_is_what_the_fix_produces()
    {
        (string before, string after) = Example("BYP101.md");
        after = after.Replace("   // ownership moves to the send, even if it throws", "", StringComparison.Ordinal);
        await CodeFixVerifier<BypassNet.Analyzers.Migration.CopyingSocketCallAnalyzer, BypassNet.CodeFixes.Migration.CopyingSocketCallCodeFixProvider>
            .VerifyFixAsync("BYP101", TestProject.From(before), new[] { after });
        await BYP101_OwnershipCleanTests.AssertOwnershipCleanAsync(after);
    }

    private static (string Before, string After) Example(string page)
    {
        string text = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "rules", page));
        MatchCollection blocks = Regex.Matches(text, "```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.True(blocks.Count >= 2, $"{page} has {blocks.Count} C# blocks");
        return (blocks[0].Groups[1].Value, blocks[1].Groups[1].Value);
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
