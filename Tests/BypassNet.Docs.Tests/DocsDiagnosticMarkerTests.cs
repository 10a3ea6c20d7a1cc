using System.Text.RegularExpressions;

namespace BypassNet.Docs.Tests;

/// <summary>
/// A snippet line commented <c>// BYPnnn</c> claims that the rule fires there: the package's analyzers must report
/// that diagnostic on that line, so an example of a bug in a rule page shows exactly what the analyzer does.
/// </summary>
public sealed class DocsDiagnosticMarkerTests
{
    private static readonly Regex Marker = new(@"//\s*(?<id>BYP\d{3})\b", RegexOptions.CultureInvariant);

    /// <summary>The documents, one test case each.</summary>
    public static TheoryData<string> Documents() => [.. Repository.Documents()];

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_marked_line_gets_its_diagnostic(string document)
    {
        var blocks = MarkdownCodeBlock.Parse(document, File.ReadAllText(Repository.PathOf(document))).Where(b => b.IsCSharp);
        var failures = blocks.SelectMany(MissingMarkedDiagnostics).ToList();
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public void A_marker_the_analyzer_does_not_confirm_fails()
    {
        // The twin: the fixed code, still marked, gets no diagnostic, and that is reported at the marked line.
        var fixedCode = new MarkdownCodeBlock("T.md", 10, "csharp", """
            using BypassNet;

            static class Echo
            {
                public static async Task OnceAsync(BypassSocket socket, CancellationToken ct)
                {
                    var buffer = await socket.ReceiveAsync(ct);
                    var length = buffer.Length;
                    await socket.SendAsync(buffer, ct);
                    Console.WriteLine(length);                // BYP001
                }
            }
            """);
        Assert.Equal(["T.md:20: marked BYP001, but the analyzers report nothing on this line"], MissingMarkedDiagnostics(fixedCode));

        var buggy = fixedCode with { Code = fixedCode.Code.Replace("Console.WriteLine(length);", "Console.WriteLine(buffer.Length);", StringComparison.Ordinal) };
        Assert.Empty(MissingMarkedDiagnostics(buggy));
    }

    private static IEnumerable<string> MissingMarkedDiagnostics(MarkdownCodeBlock block)
    {
        var lines = block.Code.Split('\n');
        var marked = lines.Select((text, line) => (line, Marker.Match(text))).Where(m => m.Item2.Success).ToList();
        if (marked.Count == 0)
        {
            yield break;
        }

        var reported = SnippetCompiler.AnalyzerDiagnostics(block);
        foreach (var (line, match) in marked)
        {
            var id = match.Groups["id"].Value;
            if (!reported.Contains((line, id)))
            {
                var there = reported.Where(r => r.Line == line).Select(r => r.Id).ToList();
                yield return $"{block.File}:{block.Line + 1 + line}: marked {id}, but the analyzers report "
                    + (there.Count == 0 ? "nothing on this line" : string.Join(", ", there));
            }
        }
    }
}
