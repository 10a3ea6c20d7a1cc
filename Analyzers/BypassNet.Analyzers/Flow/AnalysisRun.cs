using Microsoft.CodeAnalysis;

namespace BypassNet.Analyzers.Flow;

/// <summary>What one method body's analysis shares across its graphs (body, lambdas, local functions): facts and findings.</summary>
internal sealed class AnalysisRun
{
    private readonly HashSet<(string Id, Location Location)> _reported = new();
    private readonly List<Diagnostic> _diagnostics = new();

    public AnalysisRun(OwnershipSymbols symbols, MethodSummaries summaries, MethodFacts facts, CancellationToken cancellationToken, bool silent = false)
    {
        Symbols = symbols;
        Summaries = summaries;
        Facts = facts;
        CancellationToken = cancellationToken;
        Silent = silent;
    }

    public OwnershipSymbols Symbols { get; }

    public MethodSummaries Summaries { get; }

    /// <summary>True when the run only computes a summary: nothing is reported.</summary>
    public bool Silent { get; }

    public MethodFacts Facts { get; }

    public CancellationToken CancellationToken { get; }

    public IReadOnlyList<Diagnostic> Diagnostics => _diagnostics;

    /// <summary>Reports once per rule and location, however many paths or graphs reach it.</summary>
    public void Report(DiagnosticDescriptor descriptor, Location location, params object[] args)
    {
        if (!Silent && _reported.Add((descriptor.Id, location)))
        {
            _diagnostics.Add(Diagnostic.Create(descriptor, location, args));
        }
    }
}
