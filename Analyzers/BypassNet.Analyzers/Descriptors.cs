using Microsoft.CodeAnalysis;

namespace BypassNet.Analyzers;

/// <summary>The diagnostic descriptors of the ownership rules.</summary>
internal static class Descriptors
{
    private const string Category = "Reliability";

    // One stable place for the rule docs; the files live in docs/rules/ of the repository.
    private const string HelpBase = "https://github.com/bypassnet/bypassnet/blob/main/docs/rules/";

    public static readonly DiagnosticDescriptor UseAfterHandoff = new(
        DiagnosticIds.UseAfterHandoff,
        title: "Owned value used after its ownership was handed off",
        messageFormat: "'{0}' is used after it was {1} at line {2}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "After an owned value is passed to a [TakesOwnership] parameter or disposed, the caller no longer owns it; reading it again is a use-after-free of the underlying buffer.",
        helpLinkUri: HelpBase + "BYP001.md");

    public static readonly DiagnosticDescriptor DoubleHandoff = new(
        DiagnosticIds.DoubleHandoff,
        title: "Owned value handed off twice",
        messageFormat: "'{0}' is handed off again, but it was already {1} at line {2}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "An owned value can be handed off to a [TakesOwnership] parameter once; a second handoff, or a handoff after Dispose(), gives away a buffer the caller no longer owns.",
        helpLinkUri: HelpBase + "BYP002.md");

    public static readonly DiagnosticDescriptor OwnedValueLeak = new(
        DiagnosticIds.OwnedValueLeak,
        title: "Owned value may leak",
        messageFormat: "The '{0}' acquired here is not disposed, handed off, returned or stored on some path",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "An owned value (for example a pooled buffer) must be disposed, handed off, returned or stored on every path; otherwise it never returns to its pool.",
        helpLinkUri: HelpBase + "BYP003.md");

    public static readonly DiagnosticDescriptor ViewOutlivesHandoff = new(
        DiagnosticIds.ViewOutlivesHandoff,
        title: "Span or Memory view used after its owner was handed off",
        messageFormat: "'{0}' is a view of an owned value that was {1} at line {2}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A Span, Memory or slice taken from an owned value points into its buffer; after the owner is handed off or disposed the view points into memory the caller no longer owns.",
        helpLinkUri: HelpBase + "BYP004.md");
}
