namespace BypassNet.Samples.Attack;

/// <summary>One way of misbehaving towards a server: put in place by <see cref="StartAsync"/>, held until disposed.</summary>
internal interface IAttack : IAsyncDisposable
{
    /// <summary>Opens the attacker's connections and starts misbehaving; returns once the attack is in place.</summary>
    Task StartAsync(CancellationToken cancel);

    /// <summary>What the attack is doing now (connections, bytes sent), for the report.</summary>
    string Describe();
}
