using System.Net;
using System.Net.Sockets;
using BypassNet.Buffers;
using BypassNet.Testing;

namespace BypassNet.FaultTests.Support;

/// <summary>Runtimes, sockets and accounting for the fault suite. Every test runs on io_uring and on the socket engine.</summary>
public static class Faults
{
    /// <summary>Hang guard: long enough that a slow machine never trips it, short enough that a hang fails the run.</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    /// <summary>xunit member data: both engine kinds.</summary>
    public static TheoryData<EngineKind> Both => new() { EngineKind.IoUring, EngineKind.Socket };

    /// <summary>True when this machine's kernel lets BypassNet use io_uring.</summary>
    public static bool IoUringAvailable => BypassNet.Testing.IoUringAvailability.Available;

    public static BypassRuntime Create(EngineKind engine, Action<BypassNetOptions>? configure = null)
        => BypassNet.Testing.IoUringAvailability.CreateRuntime(engine, options =>
        {
            options.SendBufferSize = 16 * 1024;
            options.ReceiveBuffersPerRing = 256;
            options.ReceiveBufferSize = 16 * 1024;
            configure?.Invoke(options);
        });

    public static BypassSocket Listen(BypassRuntime runtime, int backlog = 4096)
    {
        var listener = new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(backlog);
        return listener;
    }

    public static BypassSocket NewSocket(BypassRuntime runtime) => new(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public static async Task<(BypassSocket Client, BypassSocket Server)> ConnectPairAsync(BypassRuntime runtime, BypassSocket listener)
    {
        BypassSocket client = NewSocket(runtime);
        Task<BypassSocket> accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!).WaitAsync(Guard);
        return (client, await accept.WaitAsync(Guard));
    }

    /// <summary>Receive slots (io_uring: provided-ring slots on the ring; socket engine: receive pool) not held by anyone.</summary>
    public static (int Available, int Count) ReceiveSlots(BypassRuntime runtime) => ReceiveSlotCount.Of(runtime);

    /// <summary>Waits (hang guard only) until every send buffer and every receive slot is back, then asserts it.</summary>
    public static async Task AssertEverythingHomeAsync(BypassRuntime runtime)
    {
        // Everything back at one moment is the assertion (a slot rented for a moment afterwards by a late read on a
        // closing socket is not a leak); a buffer that never comes back fails at the hang guard.
        await WaitUntilAsync(
            () => runtime.Buffers.Available == runtime.Buffers.Count && ReceiveSlots(runtime) is var (a, c) && a == c,
            "every send buffer and receive slot back home");
    }

    /// <summary>Polls <paramref name="condition"/>; the deadline is a hang guard, never what a test decides on.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string? what = null)
    {
        DateTime deadline = DateTime.UtcNow + Guard;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not reached within {Guard.TotalSeconds} s: {what ?? "condition"}");
            await Task.Delay(5);
        }
    }

    /// <summary>Sends <paramref name="payload"/> through pool buffers of at most <paramref name="chunk"/> bytes, one send at a time.</summary>
    public static async Task SendOwnedAsync(BypassSocket socket, ReadOnlyMemory<byte> payload, int chunk = int.MaxValue, CancellationToken cancellationToken = default)
    {
        int sent = 0;
        while (sent < payload.Length)
        {
            OwnedBuffer buffer = await socket.Buffers.RentAsync(cancellationToken);
            int n = Math.Min(Math.Min(buffer.Capacity, chunk), payload.Length - sent);
            payload.Span.Slice(sent, n).CopyTo(buffer.Span);
            buffer.Length = n;
            await socket.SendAsync(buffer, cancellationToken);
            sent += n;
        }
    }

    /// <summary>Reads owned buffers until end of stream and returns everything read.</summary>
    public static async Task<byte[]> ReadToEndAsync(BypassSocket socket)
    {
        var received = new MemoryStream();
        while (true)
        {
            using OwnedBuffer buffer = await socket.ReceiveAsync();
            if (buffer.Length == 0)
            {
                return received.ToArray();
            }

            received.Write(buffer.Span);
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes, or throws on an early end of stream.</summary>
    public static async Task<byte[]> ReceiveExactlyAsync(BypassSocket socket, int count)
    {
        var result = new byte[count];
        int filled = 0;
        while (filled < count)
        {
            using OwnedBuffer buffer = await socket.ReceiveAsync();
            if (buffer.Length == 0)
            {
                throw new EndOfStreamException($"Peer closed after {filled} of {count} bytes.");
            }

            buffer.Span.CopyTo(result.AsSpan(filled));
            filled += buffer.Length;
        }

        return result;
    }

    /// <summary>Echoes owned buffers back (no copy) until the peer closes, then closes its own sending side.</summary>
    public static async Task EchoUntilClosedAsync(BypassSocket socket)
    {
        while (true)
        {
            OwnedBuffer received = await socket.ReceiveAsync();
            if (received.Length == 0)
            {
                received.Dispose();
                socket.Shutdown(SocketShutdown.Send);
                return;
            }

            await socket.SendAsync(received);
        }
    }

    /// <summary>A deterministic byte stream per seed, so a receiver can check any prefix without keeping the payload.</summary>
    public static byte[] Stream(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
