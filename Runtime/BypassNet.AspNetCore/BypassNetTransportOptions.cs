namespace BypassNet.AspNetCore;

/// <summary>Settings of the BypassNet Kestrel transport.</summary>
public sealed class BypassNetTransportOptions
{
    /// <summary>
    /// The runtime to run connections on. When null (the default) the transport creates its own from
    /// <see cref="RuntimeOptions"/> on first bind and disposes it with the server.
    /// </summary>
    public BypassRuntime? Runtime { get; set; }

    /// <summary>
    /// Options of the runtime the transport creates when <see cref="Runtime"/> is null. Its logger factory defaults to
    /// the host's, so engine choice and io_uring fallback are logged with the server's logs.
    /// </summary>
    public BypassNetOptions RuntimeOptions { get; set; } = new();

    /// <summary>Settings of each connection's pipe (how many received buffers a connection may hold).</summary>
    public BypassPipeOptions Pipe { get; set; } = new();

    /// <summary>The listen backlog. Default: 512, as Kestrel's socket transport.</summary>
    public int Backlog { get; set; } = 512;

    /// <summary>Disable Nagle's algorithm on accepted connections. Default: true, as Kestrel's socket transport.</summary>
    public bool NoDelay { get; set; } = true;
}
