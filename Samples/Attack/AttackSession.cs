using System.Net;

namespace BypassNet.Samples.Attack;

/// <summary>
/// One attack from start to finish, with its healthy probers: one second of probing before, the attack put in place
/// and held while probing, released, then probing after. Tests can run it in process (internals are visible to the
/// test projects) as well as through the command line.
/// </summary>
internal sealed class AttackSession(IPEndPoint target, ProbeProtocol protocol, TimeSpan interval, TimeSpan timeout)
{
    /// <summary>Runs <paramref name="attack"/> for <paramref name="hold"/>, then probes for <paramref name="after"/>; <paramref name="log"/> gets progress lines.</summary>
    public async Task<AttackResult> RunAsync(IAttack attack, TimeSpan hold, TimeSpan after, Action<string> log, CancellationToken cancel)
    {
        var kept = new Prober(target, protocol, interval, timeout, freshConnections: false);
        var fresh = new Prober(target, protocol, interval, timeout, freshConnections: true);

        // A baseline before the attack, so a failing server is told apart from a failing attack.
        ProbeReport[] before = await ProbeAsync("before", TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        ProbeReport[] during;
        await using (attack.ConfigureAwait(false))
        {
            await attack.StartAsync(cancel).ConfigureAwait(false);
            log($"  in place: {attack.Describe()}");
            during = await ProbeAsync("during", hold).ConfigureAwait(false);
            log($"  at release: {attack.Describe()}");
        }

        ProbeReport[] afterRelease = await ProbeAsync("after release", after).ConfigureAwait(false);
        return new AttackResult(before, during, afterRelease);

        async Task<ProbeReport[]> ProbeAsync(string phase, TimeSpan duration)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            stop.CancelAfter(duration);
            return await Task.WhenAll(
                kept.RunAsync($"  {phase}, kept connection", stop.Token),
                fresh.RunAsync($"  {phase}, new connection each", stop.Token)).ConfigureAwait(false);
        }
    }
}
