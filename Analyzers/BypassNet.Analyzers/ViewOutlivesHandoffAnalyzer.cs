using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace BypassNet.Analyzers;

/// <summary>BYP004: reports when a Span/Memory view of an owned value is used after the value was handed off.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ViewOutlivesHandoffAnalyzer : OwnershipAnalyzerBase
{
    private protected override DiagnosticDescriptor Rule => Descriptors.ViewOutlivesHandoff;
}
