namespace BypassNet.Docs.Tests;

/// <summary>A fenced code block of a Markdown file: its language, its text, and where it starts.</summary>
/// <param name="File">The Markdown file, relative to the repository root.</param>
/// <param name="Line">The 1-based line of the opening fence.</param>
/// <param name="Language">The fence's info string up to the first space (<c>csharp</c>, <c>text</c>, ...), or empty.</param>
/// <param name="Code">The lines between the fences, with the fence's indentation removed.</param>
internal sealed record MarkdownCodeBlock(string File, int Line, string Language, string Code)
{
    /// <summary>Whether the block is C# that must compile; any other fence (<c>text</c>, <c>sh</c>, ...) is not.</summary>
    public bool IsCSharp => Language is "csharp" or "cs" or "c#";

    /// <summary>Every fenced block of <paramref name="markdown"/>, in order (backtick and tilde fences, indented in lists too).</summary>
    public static IReadOnlyList<MarkdownCodeBlock> Parse(string file, string markdown)
    {
        var blocks = new List<MarkdownCodeBlock>();
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ').Length;
            var opening = lines[i].TrimStart(' ');
            var fence = FenceOf(opening);
            if (fence is null)
            {
                continue;
            }

            var language = opening[fence.Length..].Trim().Split(' ', 2)[0].ToLowerInvariant();
            var body = new List<string>();
            var start = i;
            for (i++; i < lines.Length && !IsClosing(lines[i].TrimStart(' '), fence); i++)
            {
                var line = lines[i];
                var strip = Math.Min(indent, line.Length - line.TrimStart(' ').Length);
                body.Add(line[strip..]);
            }

            blocks.Add(new MarkdownCodeBlock(file, start + 1, language, string.Join('\n', body)));
        }

        return blocks;
    }

    private static string? FenceOf(string line)
    {
        foreach (var mark in new[] { '`', '~' })
        {
            var length = 0;
            while (length < line.Length && line[length] == mark)
            {
                length++;
            }

            if (length >= 3)
            {
                return new string(mark, length);
            }
        }

        return null;
    }

    private static bool IsClosing(string line, string fence) =>
        line.StartsWith(fence, StringComparison.Ordinal) && line.TrimEnd().All(c => c == fence[0]);
}
