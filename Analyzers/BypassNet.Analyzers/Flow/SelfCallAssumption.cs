namespace BypassNet.Analyzers.Flow;

/// <summary>What a method being summarized is taken to release where it calls itself, and whether a round asked.</summary>
internal sealed class SelfCallAssumption
{
    public SelfCallAssumption(bool[] released)
    {
        Released = released;
    }

    public bool[] Released { get; set; }

    public bool Used { get; set; }
}
