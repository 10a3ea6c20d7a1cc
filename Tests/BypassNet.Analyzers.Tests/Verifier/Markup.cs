using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace BypassNet.Analyzers.Tests.Verifier;

/// <summary>An expected diagnostic: rule id and source span.</summary>
public readonly record struct ExpectedDiagnostic(string Id, TextSpan Span);

/// <summary>
/// Parses test markup: <c>{|BYP001:text|}</c> expects that rule on <c>text</c>; <c>[|text|]</c> expects the test's
/// default rule. Spans may nest.
/// </summary>
public static class Markup
{
    /// <summary>Returns the source without markup and the expected diagnostics.</summary>
    public static (string Source, List<ExpectedDiagnostic> Expected) Parse(string markup, string? defaultId)
    {
        var output = new StringBuilder(markup.Length);
        var open = new Stack<(string Id, int Start)>();
        var expected = new List<ExpectedDiagnostic>();
        for (var i = 0; i < markup.Length; i++)
        {
            if (Starts(markup, i, "{|"))
            {
                var colon = markup.IndexOf(':', i + 2);
                open.Push((markup.Substring(i + 2, colon - i - 2), output.Length));
                i = colon;
            }
            else if (Starts(markup, i, "[|"))
            {
                open.Push((defaultId ?? throw new InvalidOperationException("[| |] markup needs a default rule id"), output.Length));
                i++;
            }
            else if (Starts(markup, i, "|}") || Starts(markup, i, "|]"))
            {
                var (id, start) = open.Pop();
                expected.Add(new ExpectedDiagnostic(id, TextSpan.FromBounds(start, output.Length)));
                i++;
            }
            else
            {
                output.Append(markup[i]);
            }
        }

        if (open.Count != 0)
        {
            throw new InvalidOperationException("Unclosed markup span");
        }

        return (output.ToString(), expected);
    }

    private static bool Starts(string text, int index, string token) =>
        string.CompareOrdinal(text, index, token, 0, token.Length) == 0;
}
