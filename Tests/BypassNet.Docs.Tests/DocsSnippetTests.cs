namespace BypassNet.Docs.Tests;

/// <summary>
/// Every ```csharp block in README.md, the package readmes and docs/rules/*.md compiles against the real BypassNet
/// (and ASP.NET Core with BypassNet.AspNetCore for web snippets), so no snippet rots. A fragment that is not meant
/// to compile on its own is fenced as ```text.
/// </summary>
public sealed class DocsSnippetTests
{
    /// <summary>The documents, one test case each.</summary>
    public static TheoryData<string> Documents() => [.. Repository.Documents()];

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_csharp_block_compiles(string document)
    {
        var blocks = MarkdownCodeBlock.Parse(document, File.ReadAllText(Repository.PathOf(document)));
        var errors = blocks.Where(b => b.IsCSharp).SelectMany(SnippetCompiler.Errors).ToList();
        Assert.True(errors.Count == 0, $"C# blocks in {document} do not compile:\n" + string.Join('\n', errors));
    }

    [Fact]
    public void The_README_first_code_block_is_csharp_and_compiles()
    {
        // The first snippet a user copies; it used to lack its usings.
        var blocks = MarkdownCodeBlock.Parse("README.md", File.ReadAllText(Repository.PathOf("README.md")));
        var first = blocks.First(b => b.Language != "sh");
        Assert.True(first.IsCSharp, $"README.md:{first.Line}: the first code block is ```{first.Language}, not C#");
        Assert.Empty(SnippetCompiler.Errors(first));
    }

    [Fact]
    public void A_snippet_that_does_not_compile_is_reported_at_its_line()
    {
        // The twin of the tests above: a broken block fails, naming the file and the line in it.
        const string markdown = "# T\n\ntext\n\n```csharp\nusing BypassNet;\n\nvar runtime = BypassRuntime.Shared;\nruntime.NoSuchMember();\n```\n";
        var block = Assert.Single(MarkdownCodeBlock.Parse("T.md", markdown));
        var error = Assert.Single(SnippetCompiler.Errors(block));
        Assert.StartsWith("T.md:9: CS1061", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_web_snippet_needs_the_Kestrel_package()
    {
        // UseBypassNet() lives in BypassNet.AspNetCore: a web project with only BypassNet gets CS1061, as users did.
        var web = new MarkdownCodeBlock("W.md", 1, "csharp", "var builder = WebApplication.CreateBuilder(args);\nbuilder.WebHost.UseBypassNet();\nbuilder.Build().Run();");
        Assert.True(SnippetCompiler.IsWebSnippet(web.Code));
        Assert.Empty(SnippetCompiler.Errors(web));
        var error = Assert.Single(SnippetCompiler.Errors(web, withKestrelFace: false));
        Assert.StartsWith("W.md:3: CS1061", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_fences_are_not_compiled()
    {
        var blocks = MarkdownCodeBlock.Parse("T.md", "```text\nnot C# at all\n```\n\n  ```csharp\n  int x = 1;\n  ```\n");
        Assert.Equal(["text", "csharp"], blocks.Select(b => b.Language));
        Assert.False(blocks[0].IsCSharp);
        Assert.Equal("int x = 1;", blocks[1].Code);
        Assert.Equal(5, blocks[1].Line);
    }
}
