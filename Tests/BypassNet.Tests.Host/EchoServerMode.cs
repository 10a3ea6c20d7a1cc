using System.Net;
using System.Net.Sockets;
using BypassNet;

namespace BypassNet.Tests.Host;

/// <summary>
/// `echo-server iouring|socket`: an owned-buffer echo server on 127.0.0.1 for the descriptor-exhaustion tests. Prints
/// "port=N" and serves until stdin closes. Its accept loop catches nothing: if an accept ever throws (EMFILE must not),
/// the server prints the error and exits 3, and the test sees it.
/// </summary>
internal static class EchoServerMode
{
    public static async Task<int> RunAsync(string engine)
    {
        using BypassRuntime runtime = BypassRuntime.Create(new BypassNetOptions
        {
            Engine = engine == "iouring" ? EngineKind.IoUring : EngineKind.Socket,
            RingCount = 1,
            SendBufferCount = 64,
            ReceiveBuffersPerRing = 256,
        });
        using var listener = new BypassSocket(runtime, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4096);
        Console.WriteLine($"engine={runtime.Engine}");
        Console.WriteLine($"port={((IPEndPoint)listener.LocalEndPoint!).Port}");
        Console.Out.Flush();

        // On its own thread: Console.In reads synchronously even through ReadLineAsync.
        Task<string?> stdinClosed = Task.Run(Console.In.ReadLine);
        Task<int> serving = ServeAsync(listener, stdinClosed);
        Task done = await Task.WhenAny(stdinClosed, serving);
        return done == serving ? await serving : 0;
    }

    private static async Task<int> ServeAsync(BypassSocket listener, Task stopping)
    {
        while (true)
        {
            BypassSocket connection;
            try
            {
                connection = await listener.AcceptAsync();
            }
            catch (Exception) when (stopping.IsCompleted)
            {
                return 0;
            }
            catch (Exception ex)
            {
                Console.WriteLine($"accept-failed={ex}");
                Console.Out.Flush();
                return 3;
            }

            _ = EchoAsync(connection);
        }
    }

    private static async Task EchoAsync(BypassSocket connection)
    {
        await using (connection)
        {
            try
            {
                while (true)
                {
                    OwnedBuffer received = await connection.ReceiveAsync();
                    if (received.Length == 0)
                    {
                        received.Dispose();
                        return;
                    }

                    await connection.SendAsync(received);
                }
            }
            catch (Exception)
            {
                // One connection's failure (reset by the flooding peer) ends that connection only.
            }
        }
    }
}
