using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace BypassNet.Analyzers;

/// <summary>BYP003: reports when an acquired owned value is neither disposed, handed off, returned nor stored on some path.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class OwnedValueLeakAnalyzer : OwnershipAnalyzerBase
{
    private protected override DiagnosticDescriptor Rule => Descriptors.OwnedValueLeak;
}
