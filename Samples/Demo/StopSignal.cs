namespace BypassNet.Samples.Demo;

/// <summary>A flag the load loops poll between exchanges: cheaper than a token registration per operation.</summary>
internal sealed class StopSignal
{
    private volatile bool _set;

    public bool IsSet => _set;

    public void Set() => _set = true;
}
