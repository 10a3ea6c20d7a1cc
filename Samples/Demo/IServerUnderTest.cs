using System.Net;

namespace BypassNet.Samples.Demo;

/// <summary>An echo server the demo drives and measures, in a process of its own.</summary>
internal interface IServerUnderTest : IAsyncDisposable
{
    /// <summary>What the table calls it.</summary>
    string Name { get; }

    /// <summary>Where the load client connects.</summary>
    IPEndPoint EndPoint { get; }

    /// <summary>The process whose CPU time and system calls are counted.</summary>
    int ProcessId { get; }

    /// <summary>Bytes the server has allocated since it started, or null when it cannot tell (not .NET).</summary>
    long? ReadAllocatedBytes();
}
