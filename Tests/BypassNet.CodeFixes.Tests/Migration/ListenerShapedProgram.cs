namespace BypassNet.CodeFixes.Tests.Migration;

/// <summary>
/// A "build your own Redis" server written for these tests in the shape most such programs take: a
/// <c>TcpListener</c> started in <c>Main</c>-like code, a thread blocking in <c>AcceptSocket()</c>, one
/// <c>Task.Run</c> per client, a handler class holding the client's <c>Socket</c> in a field, a RESP parser over
/// byte arrays and a command table with expiry. It speaks real RESP, so redis-cli can drive it.
/// </summary>
internal static class ListenerShapedProgram
{
    public static List<(string Name, string Text)> Sources() => new()
    {
        ("Server.cs", """
            using System;
            using System.Net;
            using System.Net.Sockets;
            using System.Threading;
            using System.Threading.Tasks;

            namespace ListenerRedis;

            public static class Server
            {
                private static TcpListener? s_listener;
                private static Thread? s_acceptor;

                /// <summary>Starts listening on a free loopback port and returns it.</summary>
                public static int Start()
                {
                    TcpListener server = new TcpListener(IPAddress.Loopback, 0);
                    server.Start();
                    s_listener = server;
                    s_acceptor = new Thread(() => AcceptLoop(server)) { IsBackground = true, Name = "accept" };
                    s_acceptor.Start();
                    return ((IPEndPoint)server.LocalEndpoint).Port;
                }

                public static void Stop()
                {
                    s_listener?.Stop();
                    s_acceptor?.Join();
                }

                private static void AcceptLoop(TcpListener server)
                {
                    while (true)
                    {
                        Socket client;
                        try
                        {
                            client = server.AcceptSocket();
                        }
                        catch (SocketException)
                        {
                            return;
                        }
                        catch (ObjectDisposedException)
                        {
                            return;
                        }

                        Console.WriteLine("client connected");
                        _ = Task.Run(() => new ClientHandler(client).RunAsync());
                    }
                }
            }
            """),
        ("ClientHandler.cs", """
            using System;
            using System.Collections.Generic;
            using System.Net.Sockets;
            using System.Text;
            using System.Threading.Tasks;

            namespace ListenerRedis;

            internal sealed class ClientHandler
            {
                private readonly Socket _socket;
                private readonly List<byte> _pending = new();

                public ClientHandler(Socket socket) => _socket = socket;

                public async Task RunAsync()
                {
                    using (_socket)
                    {
                        var buffer = new byte[1024];
                        while (true)
                        {
                            int read;
                            try
                            {
                                read = await _socket.ReceiveAsync(buffer, SocketFlags.None);
                            }
                            catch (SocketException)
                            {
                                return;
                            }

                            if (read == 0)
                            {
                                return;
                            }

                            _pending.AddRange(new ArraySegment<byte>(buffer, 0, read));
                            while (Resp.TryParse(_pending, out string[]? command))
                            {
                                string reply = Commands.Execute(command!);
                                await SendAsync(_socket, reply);
                            }
                        }
                    }
                }

                private static async Task SendAsync(Socket socket, string reply)
                {
                    byte[] bytes = Encoding.UTF8.GetBytes(reply);
                    int sent = 0;
                    while (sent < bytes.Length)
                    {
                        sent += await socket.SendAsync(new ArraySegment<byte>(bytes, sent, bytes.Length - sent), SocketFlags.None);
                    }
                }
            }
            """),
        ("Resp.cs", """
            using System.Collections.Generic;
            using System.Text;

            namespace ListenerRedis;

            /// <summary>RESP arrays of bulk strings, and inline commands (what redis-cli sends).</summary>
            internal static class Resp
            {
                public static bool TryParse(List<byte> pending, out string[]? command)
                {
                    command = null;
                    byte[] data = pending.ToArray();
                    int position = 0;
                    if (data.Length == 0)
                    {
                        return false;
                    }

                    if (data[0] != (byte)'*')
                    {
                        int end = IndexOfLine(data, 0);
                        if (end < 0)
                        {
                            return false;
                        }

                        command = Encoding.UTF8.GetString(data, 0, end).Split(' ', System.StringSplitOptions.RemoveEmptyEntries);
                        pending.RemoveRange(0, end + 2);
                        return true;
                    }

                    if (!TryReadNumber(data, ref position, out int count))
                    {
                        return false;
                    }

                    var parts = new string[count];
                    for (int i = 0; i < count; i++)
                    {
                        if (position >= data.Length || data[position] != (byte)'$' || !TryReadNumber(data, ref position, out int length)
                            || position + length + 2 > data.Length)
                        {
                            return false;
                        }

                        parts[i] = Encoding.UTF8.GetString(data, position, length);
                        position += length + 2;
                    }

                    pending.RemoveRange(0, position);
                    command = parts;
                    return true;
                }

                public static string Simple(string text) => "+" + text + "\r\n";

                public static string Bulk(string? text) => text is null ? "$-1\r\n" : "$" + Encoding.UTF8.GetByteCount(text) + "\r\n" + text + "\r\n";

                public static string Integer(long value) => ":" + value + "\r\n";

                public static string Error(string text) => "-ERR " + text + "\r\n";

                private static bool TryReadNumber(byte[] data, ref int position, out int value)
                {
                    value = 0;
                    int end = IndexOfLine(data, position);
                    if (end < 0)
                    {
                        return false;
                    }

                    value = int.Parse(Encoding.ASCII.GetString(data, position + 1, end - position - 1));
                    position = end + 2;
                    return true;
                }

                private static int IndexOfLine(byte[] data, int from)
                {
                    for (int i = from; i + 1 < data.Length; i++)
                    {
                        if (data[i] == (byte)'\r' && data[i + 1] == (byte)'\n')
                        {
                            return i;
                        }
                    }

                    return -1;
                }
            }
            """),
        ("Commands.cs", """
            using System;
            using System.Collections.Concurrent;

            namespace ListenerRedis;

            internal static class Commands
            {
                private static readonly ConcurrentDictionary<string, (string Value, DateTime? Expires)> s_store = new();

                public static string Execute(string[] command)
                {
                    switch (command[0].ToUpperInvariant())
                    {
                        case "PING":
                            return command.Length > 1 ? Resp.Bulk(command[1]) : Resp.Simple("PONG");
                        case "ECHO":
                            return Resp.Bulk(command[1]);
                        case "SET":
                            DateTime? expires = command.Length > 4 && command[3].Equals("PX", StringComparison.OrdinalIgnoreCase)
                                ? DateTime.UtcNow.AddMilliseconds(long.Parse(command[4]))
                                : null;
                            s_store[command[1]] = (command[2], expires);
                            return Resp.Simple("OK");
                        case "GET":
                            if (s_store.TryGetValue(command[1], out var entry) && (entry.Expires is null || entry.Expires > DateTime.UtcNow))
                            {
                                return Resp.Bulk(entry.Value);
                            }

                            return Resp.Bulk(null);
                        case "DEL":
                            return Resp.Integer(s_store.TryRemove(command[1], out _) ? 1 : 0);
                        default:
                            return Resp.Error("unknown command '" + command[0] + "'");
                    }
                }
            }
            """),
    };
}
