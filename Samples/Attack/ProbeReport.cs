using System.Globalization;

namespace BypassNet.Samples.Attack;

/// <summary>What a healthy prober saw: how many of its requests were answered, and how fast.</summary>
internal sealed class ProbeReport(string label)
{
    private readonly List<double> _answeredMilliseconds = [];
    private readonly List<string> _failures = [];

    public int Total { get; private set; }

    public int Answered => _answeredMilliseconds.Count;

    public void Add(double milliseconds)
    {
        Total++;
        _answeredMilliseconds.Add(milliseconds);
    }

    public void Fail(string reason)
    {
        Total++;
        if (_failures.Count < 3)
        {
            _failures.Add(reason);
        }
    }

    public double Percentile(double q)
    {
        if (Answered == 0)
        {
            return double.NaN;
        }

        double[] sorted = [.. _answeredMilliseconds.Order()];
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public override string ToString()
    {
        string figures = Answered == 0
            ? "no answers"
            : string.Create(CultureInfo.InvariantCulture, $"p50 {Percentile(0.5):0.00} ms, p99 {Percentile(0.99):0.00} ms, max {_answeredMilliseconds.Max():0.00} ms");
        string failures = _failures.Count == 0 ? string.Empty : $"; first failures: {string.Join("; ", _failures)}";
        return $"{label}: answered {Answered}/{Total}, {figures}{failures}";
    }
}
