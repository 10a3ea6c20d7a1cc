using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BypassNet.RespServer.Tests.Support;

/// <summary>
/// A small RESP2 client over plain System.Net.Sockets (independent of BypassNet, so it cannot share the server's bugs):
/// encodes commands, sends raw bytes, reads replies byte-exact, and tells whether the server closed the connection.
/// </summary>
public sealed class RespTestClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RespTestClient(Socket socket) => _socket = socket;

    public static async Task<RespTestClient> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint).WaitAsync(DefaultTimeout);
            return new RespTestClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Encodes a multibulk command.</summary>
    public static byte[] Encode(params byte[][] arguments)
    {
        using var stream = new MemoryStream();
        Write(stream, $"*{arguments.Length}\r\n");
        foreach (byte[] argument in arguments)
        {
            Write(stream, $"${argument.Length}\r\n");
            stream.Write(argument);
            Write(stream, "\r\n");
        }

        return stream.ToArray();
    }

    public static byte[] Encode(params string[] arguments) => Encode(arguments.Select(Encoding.UTF8.GetBytes).ToArray());

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes)
    {
        int sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes[sent..]).AsTask().WaitAsync(DefaultTimeout);
        }
    }

    public Task SendAsync(params string[] arguments) => SendRawAsync(Encode(arguments));

    public Task SendAsync(params byte[][] arguments) => SendRawAsync(Encode(arguments));

    public async Task<RespReply> CommandAsync(params string[] arguments)
    {
        await SendAsync(arguments);
        return await ReadReplyAsync();
    }

    public async Task<RespReply> CommandAsync(params byte[][] arguments)
    {
        await SendAsync(arguments);
        return await ReadReplyAsync();
    }

    public async Task<RespReply> ReadReplyAsync()
    {
        string line = await ReadLineAsync();
        char type = line[0];
        string rest = line[1..];
        switch (type)
        {
            case '+':
                return RespReply.Simple(rest);
            case '-':
                return RespReply.Error(rest);
            case ':':
                return RespReply.Int(long.Parse(rest, System.Globalization.CultureInfo.InvariantCulture));
            case '$':
            {
                int length = int.Parse(rest, System.Globalization.CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return RespReply.BulkString(null);
                }

                byte[] data = await ReadExactlyAsync(length + 2);
                Assert.True(data[length] == '\r' && data[length + 1] == '\n', "bulk string not terminated by CRLF");
                return RespReply.BulkString(data[..length]);
            }

            case '*':
            {
                int count = int.Parse(rest, System.Globalization.CultureInfo.InvariantCulture);
                if (count < 0)
                {
                    return RespReply.Array(null);
                }

                var items = new RespReply[count];
                for (int i = 0; i < count; i++)
                {
                    items[i] = await ReadReplyAsync();
                }

                return RespReply.Array(items);
            }

            default:
                throw new InvalidDataException($"Not a RESP reply: '{line}'");
        }
    }

    /// <summary>Half-closes: the server sees end of stream after what was sent, and may still answer it.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>True when the server closes the connection within <paramref name="timeout"/> (bytes before the close are skipped).</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                if (_end == _start)
                {
                    _start = _end = 0;
                    int n = await _socket.ReceiveAsync(_buffer.AsMemory(), cts.Token);
                    if (n == 0)
                    {
                        return true;
                    }

                    _end = n;
                }

                _start = _end;
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            // A reset is a close too.
            return true;
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private static void Write(Stream stream, string text) => stream.Write(Encoding.ASCII.GetBytes(text));

    private async Task<string> ReadLineAsync()
    {
        var line = new List<byte>();
        while (true)
        {
            await FillAsync();
            int newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                line.AddRange(_buffer.AsSpan(_start, newline));
                _start += newline + 1;
                Assert.True(line.Count > 0 && line[^1] == '\r', "reply line not terminated by CRLF");
                return Encoding.UTF8.GetString(line.ToArray(), 0, line.Count - 1);
            }

            line.AddRange(_buffer.AsSpan(_start, _end - _start));
            _start = _end;
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        byte[] result = new byte[count];
        int filled = 0;
        while (filled < count)
        {
            await FillAsync();
            int n = Math.Min(count - filled, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(result.AsSpan(filled));
            _start += n;
            filled += n;
        }

        return result;
    }

    private async Task FillAsync()
    {
        if (_end > _start)
        {
            return;
        }

        _start = _end = 0;
        using var cts = new CancellationTokenSource(DefaultTimeout);
        int n = await _socket.ReceiveAsync(_buffer.AsMemory(), cts.Token);
        if (n == 0)
        {
            throw new EndOfStreamException("The server closed the connection.");
        }

        _end = n;
    }
}
