using Microsoft.CodeAnalysis;

namespace BypassNet.Analyzers.Flow;

/// <summary>What one method body's analysis shares across its graphs (body, lambdas, local functions): facts and findings.</summary>
internal sealed class AnalysisRun
{
    private readonly HashSet<(string Id, Location Location)> _reported = new();
    private readonly List<Diagnostic> _diagnostics = new();

    public AnalysisRun(OwnershipSymbols symbols, MethodFacts facts, CancellationToken cancellationToken)
    {
        Symbols = symbols;
        Facts = facts;
        CancellationToken = cancellationToken;
    }

    public OwnershipSymbols Symbols { get; }

    public MethodFacts Facts { get; }

    public CancellationToken CancellationToken { get; }

    public IReadOnlyList<Diagnostic> Diagnostics => _diagnostics;

    /// <summary>Reports once per rule and location, however many paths or graphs reach it.</summary>
    public void Report(DiagnosticDescriptor descriptor, Location location, params object[] args)
    {
        if (_reported.Add((descriptor.Id, location)))
        {
            _diagnostics.Add(Diagnostic.Create(descriptor, location, args));
        }
    }
}
