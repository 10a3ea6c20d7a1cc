using System.Net;

namespace BypassNet.Samples.Demo;

/// <summary>An echo server the demo drives and measures.</summary>
internal interface IServerUnderTest : IAsyncDisposable
{
    /// <summary>What the table calls it.</summary>
    string Name { get; }

    /// <summary>Where the load client connects.</summary>
    IPEndPoint EndPoint { get; }

    /// <summary>The process whose system calls are counted.</summary>
    int ProcessId { get; }

    /// <summary>True when the server runs in this process, so its allocations can be measured here.</summary>
    bool InProcess { get; }

    /// <summary>The server's own io_uring figures so far, or null when it has none to report.</summary>
    RingFigures? ReadRingFigures();
}
