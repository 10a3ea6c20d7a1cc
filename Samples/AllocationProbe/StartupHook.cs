using System.Globalization;
using System.Net.Sockets;
using System.Text;

/// <summary>
/// Loaded into a server process through <c>DOTNET_STARTUP_HOOKS</c>, so a benchmark can read the server's allocated
/// bytes without a hook in the server's own code. When <c>BYPASSNET_ALLOCATION_PROBE</c> names a path, a background
/// thread listens there on a Unix domain socket and answers each line it receives with
/// <c>GC.GetTotalAllocatedBytes(precise: true)</c>, then a newline. Blocking calls on one thread: no epoll thread, no
/// thread-pool work, nothing at all between queries.
/// </summary>
/// <remarks>The runtime looks for exactly this type name, outside any namespace, with a static Initialize.</remarks>
#pragma warning disable CA1050 // The startup hook contract requires the global namespace.
internal static class StartupHook
#pragma warning restore CA1050
{
    /// <summary>Called by the runtime before the server's Main.</summary>
    public static void Initialize()
    {
        string? path = Environment.GetEnvironmentVariable("BYPASSNET_ALLOCATION_PROBE");
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        File.Delete(path);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(4);
        new Thread(() => Serve(listener)) { IsBackground = true, Name = "allocation probe" }.Start();
    }

    private static void Serve(Socket listener)
    {
        var buffer = new byte[64];
        while (true)
        {
            using Socket connection = listener.Accept();
            try
            {
                while (connection.Receive(buffer) > 0)
                {
                    long allocated = GC.GetTotalAllocatedBytes(precise: true);
                    connection.Send(Encoding.ASCII.GetBytes(allocated.ToString(CultureInfo.InvariantCulture) + "\n"));
                }
            }
            catch (SocketException)
            {
                // The benchmark went away; wait for the next one.
            }
        }
    }
}
