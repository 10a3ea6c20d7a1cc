namespace BypassNet.CodeFixes.Tests.Migration;

/// <summary>
/// A line-protocol server written for these tests in the shape TcpClient programs take: a <c>TcpListener</c> whose
/// async accept loop hands each <c>TcpClient</c> to a session, a <c>List&lt;TcpClient&gt;</c> of who is connected,
/// <c>StreamReader</c>/<c>StreamWriter</c> over <c>GetStream()</c>, and an outbound <c>TcpClient</c> that fetches a
/// line from another server. Every one of those types has a BypassNet counterpart, so BYP100 moves all of it.
/// </summary>
internal static class TcpClientShapedProgram
{
    public static List<(string Name, string Text)> Sources() => new()
    {
        ("Server.cs", """
            using System;
            using System.Collections.Generic;
            using System.Net;
            using System.Net.Sockets;
            using System.Threading.Tasks;

            namespace LineServer;

            public static class Server
            {
                private static readonly List<TcpClient> s_clients = new();
                private static TcpListener? s_listener;
                private static Task? s_acceptLoop;

                /// <summary>Starts listening on a free loopback port and returns it.</summary>
                public static int Start()
                {
                    var listener = new TcpListener(IPAddress.Loopback, 0);
                    listener.Start();
                    s_listener = listener;
                    s_acceptLoop = AcceptLoopAsync(listener);
                    return ((IPEndPoint)listener.LocalEndpoint).Port;
                }

                public static void Stop()
                {
                    s_listener?.Stop();
                    s_acceptLoop?.Wait(TimeSpan.FromSeconds(10));
                    lock (s_clients)
                    {
                        foreach (TcpClient client in s_clients)
                        {
                            client.Dispose();
                        }

                        s_clients.Clear();
                    }
                }

                internal static int Count()
                {
                    lock (s_clients)
                    {
                        return s_clients.Count;
                    }
                }

                internal static void Remove(TcpClient client)
                {
                    lock (s_clients)
                    {
                        s_clients.Remove(client);
                    }
                }

                private static async Task AcceptLoopAsync(TcpListener listener)
                {
                    while (true)
                    {
                        TcpClient client;
                        try
                        {
                            client = await listener.AcceptTcpClientAsync();
                        }
                        catch (SocketException)
                        {
                            return;
                        }
                        catch (ObjectDisposedException)
                        {
                            return;
                        }

                        client.NoDelay = true;
                        lock (s_clients)
                        {
                            s_clients.Add(client);
                        }

                        _ = Task.Run(() => new Session(client).RunAsync());
                    }
                }
            }
            """),
        ("Session.cs", """
            using System;
            using System.Globalization;
            using System.IO;
            using System.Net;
            using System.Net.Sockets;
            using System.Text;
            using System.Threading.Tasks;

            namespace LineServer;

            internal sealed class Session
            {
                private readonly TcpClient _client;

                public Session(TcpClient client) => _client = client;

                public async Task RunAsync()
                {
                    try
                    {
                        NetworkStream stream = _client.GetStream();
                        using var reader = new StreamReader(stream, Encoding.UTF8, false, 1024, leaveOpen: true);
                        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1024, leaveOpen: true) { AutoFlush = true, NewLine = "\n" };
                        string? line;
                        while ((line = await reader.ReadLineAsync()) != null)
                        {
                            if (line == "QUIT")
                            {
                                break;
                            }

                            await writer.WriteLineAsync(await AnswerAsync(line));
                        }
                    }
                    catch (IOException)
                    {
                        // The peer reset the connection: nothing more to say to it.
                    }
                    finally
                    {
                        Server.Remove(_client);
                        _client.Dispose();
                    }
                }

                private static async Task<string> AnswerAsync(string line)
                {
                    if (line.StartsWith("ECHO ", StringComparison.Ordinal))
                    {
                        return line.Substring(5);
                    }

                    if (line == "COUNT")
                    {
                        return Server.Count().ToString(CultureInfo.InvariantCulture);
                    }

                    if (line.StartsWith("FETCH ", StringComparison.Ordinal))
                    {
                        return await FetchAsync(int.Parse(line.Substring(6), CultureInfo.InvariantCulture));
                    }

                    return "ERR unknown command '" + line + "'";
                }

                private static async Task<string> FetchAsync(int port)
                {
                    using var upstream = new TcpClient();
                    await upstream.ConnectAsync(IPAddress.Loopback, port);
                    upstream.ReceiveTimeout = 10000;
                    using var reader = new StreamReader(upstream.GetStream());
                    return "fetched: " + (reader.ReadLine() ?? "(nothing)");
                }
            }
            """),
    };
}
