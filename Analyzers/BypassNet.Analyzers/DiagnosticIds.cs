namespace BypassNet.Analyzers;

/// <summary>The diagnostic IDs of the BypassNet ownership rules; they are a public contract.</summary>
public static class DiagnosticIds
{
    /// <summary>A value is used after its ownership was handed off or it was disposed.</summary>
    public const string UseAfterHandoff = "BYP001";

    /// <summary>A value is handed off twice, or handed off after it was disposed.</summary>
    public const string DoubleHandoff = "BYP002";

    /// <summary>An owned value is acquired and may be neither disposed, handed off, returned nor stored.</summary>
    public const string OwnedValueLeak = "BYP003";

    /// <summary>A Span/Memory view of an owned value is used after the value was handed off.</summary>
    public const string ViewOutlivesHandoff = "BYP004";

    /// <summary>A method releases an owned parameter on every path; its callers already treat it as [TakesOwnership].</summary>
    public const string InferredTakesOwnership = "BYP005";
}
