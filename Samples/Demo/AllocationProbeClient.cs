using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace BypassNet.Samples.Demo;

/// <summary>
/// The benchmark's end of the allocation probe (Samples/AllocationProbe, a startup hook in the server process): one
/// Unix domain socket connection, one line per reading of the server's <c>GC.GetTotalAllocatedBytes(true)</c>.
/// </summary>
internal sealed class AllocationProbeClient : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64];

    private AllocationProbeClient(Socket socket)
    {
        // A server that stops answering fails the run with a message instead of hanging it.
        socket.ReceiveTimeout = 30_000;
        socket.SendTimeout = 30_000;
        _socket = socket;
    }

    /// <summary>The hook assembly, copied next to this program by the project reference.</summary>
    public static string HookPath => Path.Combine(AppContext.BaseDirectory, "BypassNet.Samples.AllocationProbe.dll");

    /// <summary>Connects to the probe at <paramref name="path"/>, waiting up to 10 s for the server to create it.</summary>
    public static AllocationProbeClient Connect(string path)
    {
        long deadline = Environment.TickCount64 + 10_000;
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.Connect(new UnixDomainSocketEndPoint(path));
                return new AllocationProbeClient(socket);
            }
            catch (SocketException) when (Environment.TickCount64 < deadline)
            {
                socket.Dispose();
                Thread.Sleep(50);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>Bytes the server process has allocated since it started.</summary>
    public long Read()
    {
        _socket.Send("a\n"u8);
        int length = 0;
        while (length == 0 || _buffer[length - 1] != (byte)'\n')
        {
            int n = _socket.Receive(_buffer.AsSpan(length));
            if (n == 0)
            {
                throw new EndOfStreamException("The allocation probe closed its socket.");
            }

            length += n;
        }

        return long.Parse(Encoding.ASCII.GetString(_buffer, 0, length - 1), CultureInfo.InvariantCulture);
    }

    public void Dispose() => _socket.Dispose();
}
