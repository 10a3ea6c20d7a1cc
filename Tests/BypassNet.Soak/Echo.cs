using System.Net.Sockets;

namespace BypassNet.Soak;

/// <summary>The server side: echoes owned buffers back without copying until the client closes or resets.</summary>
internal static class Echo
{
    public static async Task ServeAsync(BypassSocket socket, SoakCounters counters)
    {
        await using (socket)
        {
            try
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
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // A client reset or abandoned its connection: expected under fault injection.
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref counters.UnexpectedErrors);
                Console.Error.WriteLine($"server: {ex}");
            }
        }
    }
}
