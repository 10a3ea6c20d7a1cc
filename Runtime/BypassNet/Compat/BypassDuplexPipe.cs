using System.IO.Pipelines;
using BypassNet.Compat;

namespace BypassNet;

/// <summary>
/// A connected <see cref="BypassSocket"/> as an <see cref="IDuplexPipe"/> (System.IO.Pipelines).
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Input"/> lends the consumer the buffers the kernel filled (owned receives), linked into the read
/// <see cref="System.Buffers.ReadOnlySequence{T}"/> without a copy; each goes back to its ring once the consumer
/// advances past it. At most <see cref="BypassPipeOptions.MaxBufferedReceives"/> are held before receiving pauses.
/// </para>
/// <para>
/// <see cref="Output"/> writes into buffers rented from <see cref="BypassRuntime.Buffers"/> and sends them with the owned
/// send on <see cref="PipeWriter.FlushAsync"/>. A failed send completes the output (flushes report
/// <see cref="FlushResult.IsCompleted"/>); the input then reports the connection's error.
/// </para>
/// <para>
/// The pipe does not own the socket: complete both sides, then dispose the socket (or use <see cref="DisposeAsync"/>,
/// which does all three after the output has sent what was committed). While the pipe is in use, send and receive
/// through it only: the pipe's own plumbing continues on the socket's completion thread (a ring thread on io_uring),
/// so the socket's own awaits would too.
/// </para>
/// </remarks>
public sealed class BypassDuplexPipe : IDuplexPipe, IAsyncDisposable
{
    private readonly OwnedBufferPipeReader _input;
    private readonly OwnedBufferPipeWriter _output;

    /// <summary>Creates the pipe over a connected socket and starts receiving.</summary>
    /// <param name="socket">The connected socket.</param>
    /// <param name="options">Pipe settings; null for the defaults.</param>
    public BypassDuplexPipe(BypassSocket socket, BypassPipeOptions? options = null)
        : this(socket, options, start: true)
    {
    }

    internal BypassDuplexPipe(BypassSocket socket, BypassPipeOptions? options, bool start)
    {
        ArgumentNullException.ThrowIfNull(socket);
        options = (options ?? new BypassPipeOptions()).Clone();
        options.Validate();
        Socket = socket;

        // The pipe's pumps and send chain never block, so they continue on the ring thread that completed the
        // operation; the application's awaits on Input and Output go to the thread pool (unless the runtime runs
        // continuations inline), as Kestrel separates its I/O queue from the application scheduler.
        socket.InlineCompletions = true;
        _input = new OwnedBufferPipeReader(socket, options);
        _output = new OwnedBufferPipeWriter(socket);
        if (start)
        {
            _input.Start();
        }
    }

    /// <summary>The socket under the pipe.</summary>
    public BypassSocket Socket { get; }

    /// <summary>Received data, as the kernel-filled buffers themselves.</summary>
    public PipeReader Input => _input;

    /// <summary>Data to send, written into registered pool buffers.</summary>
    public PipeWriter Output => _output;

    internal OwnedBufferPipeReader Reader => _input;

    internal OwnedBufferPipeWriter Writer => _output;

    /// <summary>Completes both sides, waits until committed output has been sent, then closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        _input.Complete();
        _output.Complete();
        await _output.WhenDrainedAsync().ConfigureAwait(false);
        try
        {
            Socket.Shutdown(System.Net.Sockets.SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // Already reset or closed: nothing left to say to the peer.
        }

        await Socket.DisposeAsync().ConfigureAwait(false);
    }
}
