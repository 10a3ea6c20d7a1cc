using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BypassNet.Samples.Demo;

/// <summary>
/// One client connection of the load generator: sends a message, reads the whole echo back, checks it, repeats.
/// Plain System.Net.Sockets on arrays allocated once, so the client stays cheap and steady.
/// </summary>
internal sealed class LoadConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _request;
    private readonly byte[] _response;
    private long _roundTrips;

    /// <summary>This connection's round-trip times (send of the first byte to receipt of the last echoed one).</summary>
    public LatencyHistogram Latency { get; } = new();

    private LoadConnection(Socket socket, int messageSize, int seed)
    {
        _socket = socket;
        _request = new byte[messageSize];
        _response = new byte[messageSize];
        new Random(seed).NextBytes(_request);
    }

    /// <summary>Completed round trips; read from other threads while the loop runs.</summary>
    public long RoundTrips => Volatile.Read(ref _roundTrips);

    public static async Task<LoadConnection> ConnectAsync(IPEndPoint server, int messageSize, int seed)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server).ConfigureAwait(false);
            return new LoadConnection(socket, messageSize, seed);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Ping-pongs until <paramref name="gate"/> stops, finishing the exchange in progress first.</summary>
    public async Task RunAsync(LoadGate gate)
    {
        Memory<byte> response = _response;
        while (true)
        {
            await gate.WaitWhilePausedAsync().ConfigureAwait(false);
            if (gate.IsStopped)
            {
                break;
            }

            long started = Stopwatch.GetTimestamp();
            int sent = 0;
            while (sent < _request.Length)
            {
                sent += await _socket.SendAsync(_request.AsMemory(sent), SocketFlags.None).ConfigureAwait(false);
            }

            int received = 0;
            while (received < response.Length)
            {
                int n = await _socket.ReceiveAsync(response[received..], SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new EndOfStreamException($"The server closed the connection after {received} of {response.Length} echoed bytes.");
                }

                received += n;
            }

            if (!response.Span.SequenceEqual(_request))
            {
                throw new InvalidDataException("The echo differs from what was sent.");
            }

            Latency.Record(Stopwatch.GetTimestamp() - started);
            Volatile.Write(ref _roundTrips, _roundTrips + 1);
        }

        // An orderly close: the server sees end-of-stream, not a reset.
        _socket.Shutdown(SocketShutdown.Send);
        while (await _socket.ReceiveAsync(response, SocketFlags.None).ConfigureAwait(false) > 0)
        {
        }
    }

    public void Dispose() => _socket.Dispose();
}
