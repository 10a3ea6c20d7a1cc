using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace BypassNet.Analyzers;

/// <summary>BYP002: reports when a value is handed off twice, or handed off after it was disposed.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DoubleHandoffAnalyzer : OwnershipAnalyzerBase
{
    private protected override DiagnosticDescriptor Rule => Descriptors.DoubleHandoff;
}
