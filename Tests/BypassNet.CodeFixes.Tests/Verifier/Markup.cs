using Microsoft.CodeAnalysis.Text;

namespace BypassNet.CodeFixes.Tests.Verifier;

/// <summary>Test sources mark expected diagnostic spans as <c>[|...|]</c>; this strips the marks and returns the spans.</summary>
public static class Markup
{
    public static (string Text, List<TextSpan> Spans) Parse(string markup)
    {
        var text = new System.Text.StringBuilder(markup.Length);
        var spans = new List<TextSpan>();
        var open = new Stack<int>();
        for (int i = 0; i < markup.Length; i++)
        {
            if (i + 1 < markup.Length && markup[i] == '[' && markup[i + 1] == '|')
            {
                open.Push(text.Length);
                i++;
            }
            else if (i + 1 < markup.Length && markup[i] == '|' && markup[i + 1] == ']' && open.Count > 0)
            {
                int start = open.Pop();
                spans.Add(TextSpan.FromBounds(start, text.Length));
                i++;
            }
            else
            {
                text.Append(markup[i]);
            }
        }

        if (open.Count != 0)
        {
            throw new ArgumentException("Unbalanced [| |] markup.", nameof(markup));
        }

        spans.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Length.CompareTo(b.Length));
        return (text.ToString(), spans);
    }
}
