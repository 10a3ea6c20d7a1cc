using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace BypassNet.Analyzers;

/// <summary>BYP001: reports when a value is read after its ownership was handed off or it was disposed.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UseAfterHandoffAnalyzer : OwnershipAnalyzerBase
{
    private protected override DiagnosticDescriptor Rule => Descriptors.UseAfterHandoff;
}
