using System.Net.Sockets;
using BypassNet.Sockets;

namespace BypassNet.Engines;

/// <summary>An engine: creates the data plane for sockets and owns the buffers they use.</summary>
internal abstract class SocketEngine : IDisposable
{
    public abstract EngineKind Kind { get; }

    /// <summary>The pool applications rent send buffers from.</summary>
    public abstract BufferPool Buffers { get; }

    public abstract EngineStatistics Statistics { get; }

    public abstract SocketTransport CreateTransport(Socket socket, bool connected);

    public abstract void Dispose();
}
