namespace BypassNet.Samples.Attack;

/// <summary>What the healthy probers saw before, during and after an attack.</summary>
internal sealed record AttackResult(ProbeReport[] Before, ProbeReport[] During, ProbeReport[] After)
{
    /// <summary>True when every phase had probes and every probe was answered.</summary>
    public bool Healthy => Before.Concat(During).Concat(After).All(r => r.Total > 0 && r.Answered == r.Total);

    public IEnumerable<ProbeReport> All => Before.Concat(During).Concat(After);
}
