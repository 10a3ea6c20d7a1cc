namespace BypassNet;

/// <summary>Drop-in faces of a connected <see cref="BypassSocket"/>: a <see cref="Stream"/> and an <see cref="System.IO.Pipelines.IDuplexPipe"/>.</summary>
public static class BypassSocketCompatExtensions
{
    /// <summary>Wraps the socket in a <see cref="BypassNetworkStream"/> (like <c>new NetworkStream(socket, ownsSocket)</c>).</summary>
    /// <exception cref="IOException">The socket is not connected.</exception>
    public static BypassNetworkStream AsStream(this BypassSocket socket, bool ownsSocket = false) => new(socket, ownsSocket);

    /// <summary>Wraps the socket in a <see cref="BypassDuplexPipe"/> that reads owned receives without copying.</summary>
    public static BypassDuplexPipe AsDuplexPipe(this BypassSocket socket, BypassPipeOptions? options = null) => new(socket, options);
}
