using System.Net;
using System.Net.Sockets;
using BypassNet.FaultTests.Support;

namespace BypassNet.Soak;

/// <summary>
/// One client worker: opens a connection, makes checked round trips, closes it (cleanly, or by an injected fault) and
/// opens the next, until the soak ends. Every echoed byte is checked against the deterministic stream it was made from.
/// </summary>
internal static class Client
{
    private static int s_reported;

    public static async Task RunAsync(int worker, BypassRuntime runtime, EndPoint endPoint, SoakOptions options, SoakCounters counters, CancellationToken stop)
    {
        var rng = new Random(worker);
        int seed = worker * 1_000_003;
        while (!stop.IsCancellationRequested)
        {
            var socket = new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(endPoint, stop);
                counters.Opened();
                try
                {
                    await ConverseAsync(socket, rng, options, counters, () => seed++, stop);
                }
                finally
                {
                    counters.Closed();
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The soak is over.
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref counters.UnexpectedErrors);
                if (Interlocked.Increment(ref s_reported) <= 5)
                {
                    Console.Error.WriteLine($"client {worker}: {ex}");
                }
            }
            finally
            {
                await socket.DisposeAsync();
            }
        }
    }

    private static async Task ConverseAsync(BypassSocket socket, Random rng, SoakOptions options, SoakCounters counters, Func<int> nextSeed, CancellationToken stop)
    {
        int trips = (options.RoundTripsPerConnection / 2) + rng.Next(options.RoundTripsPerConnection);
        // One connection in ten is reset mid-stream, one in ten abandoned mid-message, one in ten reads through a storm of cancels.
        int fault = rng.Next(10);
        for (int t = 0; t < trips; t++)
        {
            if (stop.IsCancellationRequested)
            {
                break;
            }

            int size = rng.Next(1, options.MaxMessage);
            int seed = nextSeed();
            var outgoing = new StreamPattern(seed);
            while (outgoing.Position < size)
            {
                OwnedBuffer buffer = await socket.Buffers.RentAsync(stop);
                buffer.Length = (int)Math.Min(buffer.Capacity, size - outgoing.Position);
                outgoing.Fill(buffer.Span);
                await socket.SendAsync(buffer);
            }

            if (t == trips / 2 && fault == 0)
            {
                // RST with the echo in flight: the server's sends and receives must fail, not hang or leak.
                socket.Close(0);
                Interlocked.Increment(ref counters.Resets);
                return;
            }

            if (t == trips / 2 && fault == 1)
            {
                // Closed with unread data (the kernel resets it too), and nothing awaited.
                Interlocked.Increment(ref counters.AbandonedMidStream);
                return;
            }

            var incoming = new StreamPattern(seed);
            while (incoming.Position < size)
            {
                using var cts = new CancellationTokenSource();
                if (fault == 2 && rng.Next(2) == 0)
                {
                    cts.Cancel();
                }

                OwnedBuffer echoed;
                try
                {
                    echoed = await socket.ReceiveAsync(fault == 2 ? cts.Token : stop);
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested)
                {
                    Interlocked.Increment(ref counters.CanceledReceives);
                    continue;
                }

                using (echoed)
                {
                    if (echoed.Length == 0)
                    {
                        throw new EndOfStreamException("the echo server closed mid-message");
                    }

                    try
                    {
                        incoming.Verify(echoed.Span);
                    }
                    catch (InvalidDataException ex)
                    {
                        Interlocked.Increment(ref counters.Mismatches);
                        Console.Error.WriteLine($"MISMATCH: {ex.Message}");
                        return;
                    }
                }
            }

            Interlocked.Increment(ref counters.RoundTrips);
            Interlocked.Add(ref counters.BytesVerified, size);
        }

        socket.Shutdown(SocketShutdown.Send);
        using OwnedBuffer end = await socket.ReceiveAsync(stop);
        if (end.Length != 0)
        {
            throw new InvalidDataException("bytes after the last echo");
        }
    }
}
