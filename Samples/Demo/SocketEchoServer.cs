using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace BypassNet.Samples.Demo;

/// <summary>
/// The baseline: an echo server the way it is written on System.Net.Sockets today — one async loop per connection,
/// ReceiveAsync(Memory) into a pooled array and SendAsync(ReadOnlyMemory) of what came in.
/// </summary>
internal sealed class SocketEchoServer : IAsyncDisposable
{
    /// <summary>Per-connection buffer: the size of a BypassNet receive buffer, so both servers read the same chunks.</summary>
    private const int BufferSize = 16 * 1024;

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<Socket> _connections = new();
    private readonly List<Task> _loops = new();
    private Task _acceptLoop = Task.CompletedTask;

    private SocketEchoServer(Socket listener) => _listener = listener;

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>
    /// The <c>--serve-sockets</c> mode: serves on 127.0.0.1:<paramref name="port"/>, says "listening", and stops
    /// when its standard input ends (the benchmark that started it went away).
    /// </summary>
    public static async Task<int> ServeAsync(int port)
    {
        await using SocketEchoServer server = Start(port);
        Console.WriteLine($"System.Net.Sockets echo listening on {server.EndPoint}");
        await Task.Run(() =>
        {
            while (Console.In.ReadLine() is not null)
            {
            }
        }).ConfigureAwait(false);
        return 0;
    }

    public static SocketEchoServer Start(int port)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            listener.Listen(1024);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var server = new SocketEchoServer(listener);
        server._acceptLoop = server.AcceptLoopAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        Task[] loops;
        lock (_connections)
        {
            foreach (Socket connection in _connections)
            {
                connection.Dispose();
            }

            loops = [.. _loops];
        }

        await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (_stopping.IsCancellationRequested && ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            connection.NoDelay = true;
            lock (_connections)
            {
                _connections.Add(connection);
                _loops.Add(EchoAsync(connection));
            }
        }
    }

    private async Task EchoAsync(Socket connection)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                int received = await connection.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    break;
                }

                await connection.SendAsync(buffer.AsMemory(0, received), SocketFlags.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // A reset peer, or DisposeAsync closing the connection: either way this connection is over.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            lock (_connections)
            {
                _connections.Remove(connection);
            }

            connection.Dispose();
        }
    }
}
