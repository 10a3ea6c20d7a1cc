using System.Net;

namespace BypassNet.Samples.Attack;

/// <summary>
/// Descriptor exhaustion: connect more times than the server has descriptors (start it with a low limit, e.g.
/// <c>prlimit --nofile=1024</c>), hold every connection open, then release them all. The server must keep serving
/// the connections it has, refuse or queue the rest, and recover once the flood is gone.
/// </summary>
internal sealed class FdFlood(IPEndPoint target, int connections) : IAttack
{
    private readonly AttackConnections _connections = new();

    public Task StartAsync(CancellationToken cancel) =>
        _connections.OpenAsync(target, connections, 0, TimeSpan.FromMilliseconds(500), cancel);

    public string Describe() => $"{_connections.Sockets.Count} flood connections held ({_connections.Failed} failed or timed out)";

    public ValueTask DisposeAsync() => _connections.DisposeAsync();
}
