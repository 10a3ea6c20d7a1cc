using System.Globalization;
using Microsoft.CodeAnalysis;

namespace BypassNet.Analyzers.Rules;

/// <summary>Message arguments shared by the rules.</summary>
internal static class Text
{
    public static string Name(IOperation reference) => reference.Syntax.ToString();

    public static string Line(IOperation? site) =>
        site is null ? "?" : (site.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1).ToString(CultureInfo.InvariantCulture);
}
