namespace BypassNet.CodeFixes.Tests.Migration;

/// <summary>
/// A line-protocol server written for these tests in the callback (Begin/End) shape of older socket programs: an
/// accept chain that passes the listener as its state, a session object holding the socket and its buffer for the
/// receive chain, replies sent with the socket as state (read back with <c>as Socket</c> and a cast), receive errors
/// taken through the <c>out SocketError</c> overloads, and an outbound <c>BeginConnect</c> that fetches a line from
/// another server. All of it has BypassNet counterparts, so BYP100 moves the whole program.
/// </summary>
internal static class CallbackShapedProgram
{
    public static List<(string Name, string Text)> Sources() => new()
    {
        ("Server.cs", """
            using System;
            using System.Collections.Generic;
            using System.Net;
            using System.Net.Sockets;
            using System.Text;

            namespace CallbackServer;

            public static class Server
            {
                private static readonly object s_gate = new object();
                private static readonly List<Socket> s_sessions = new List<Socket>();
                private static Socket s_listener;

                /// <summary>Starts listening on a free loopback port and returns it.</summary>
                public static int Start()
                {
                    s_listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    s_listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                    s_listener.Listen(16);
                    s_listener.BeginAccept(new AsyncCallback(OnAccept), s_listener);
                    return ((IPEndPoint)s_listener.LocalEndPoint).Port;
                }

                public static void Stop()
                {
                    s_listener.Close();
                    lock (s_gate)
                    {
                        foreach (Socket session in s_sessions)
                        {
                            session.Close();
                        }

                        s_sessions.Clear();
                    }
                }

                private static void OnAccept(IAsyncResult ar)
                {
                    Socket listener = (Socket)ar.AsyncState;
                    Socket handler;
                    try
                    {
                        handler = listener.EndAccept(ar);
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                    catch (SocketException)
                    {
                        return;
                    }

                    listener.BeginAccept(new AsyncCallback(OnAccept), listener);
                    handler.NoDelay = true;
                    lock (s_gate)
                    {
                        s_sessions.Add(handler);
                    }

                    var session = new Session(handler);
                    handler.BeginReceive(session.Buffer, 0, Session.BufferSize, SocketFlags.None, out SocketError started, new AsyncCallback(OnReceive), session);
                    if (started != SocketError.Success)
                    {
                        Drop(handler);
                    }
                }

                private static void OnReceive(IAsyncResult ar)
                {
                    var session = (Session)ar.AsyncState;
                    Socket handler = session.WorkSocket;
                    try
                    {
                        int read = handler.EndReceive(ar, out SocketError error);
                        if (error != SocketError.Success || read == 0)
                        {
                            Drop(handler);
                            return;
                        }

                        session.Pending.Append(Encoding.ASCII.GetString(session.Buffer, 0, read));
                        var replies = new StringBuilder();
                        bool quit = false;
                        string text = session.Pending.ToString();
                        int end;
                        while (!quit && (end = text.IndexOf('\n')) >= 0)
                        {
                            string line = text.Substring(0, end);
                            text = text.Substring(end + 1);
                            quit = Execute(line, handler, replies);
                        }

                        session.Pending.Clear().Append(text);
                        if (quit)
                        {
                            byte[] bye = Encoding.ASCII.GetBytes(replies.ToString());
                            handler.BeginSend(bye, 0, bye.Length, SocketFlags.None, new AsyncCallback(OnQuitSent), handler);
                            return;
                        }

                        if (replies.Length > 0)
                        {
                            Reply(handler, replies.ToString());
                        }

                        handler.BeginReceive(session.Buffer, 0, Session.BufferSize, SocketFlags.None, new AsyncCallback(OnReceive), session);
                    }
                    catch (ObjectDisposedException)
                    {
                    }
                    catch (SocketException)
                    {
                        Drop(handler);
                    }
                }

                /// <summary>Runs one command; true for QUIT.</summary>
                private static bool Execute(string line, Socket handler, StringBuilder replies)
                {
                    string[] parts = line.Split(' ', 2);
                    switch (parts[0])
                    {
                        case "ECHO":
                            replies.Append(parts.Length > 1 ? parts[1] : string.Empty).Append('\n');
                            return false;
                        case "COUNT":
                            lock (s_gate)
                            {
                                replies.Append(s_sessions.Count).Append('\n');
                            }

                            return false;
                        case "FETCH":
                            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                            upstream.BeginConnect(IPAddress.Loopback, int.Parse(parts[1]), new AsyncCallback(OnUpstreamConnected), new Fetch(upstream, handler));
                            return false;
                        case "QUIT":
                            replies.Append("BYE\n");
                            return true;
                        default:
                            replies.Append("ERR unknown command\n");
                            return false;
                    }
                }

                private static void Reply(Socket handler, string text)
                {
                    byte[] data = Encoding.ASCII.GetBytes(text);
                    handler.BeginSend(data, 0, data.Length, SocketFlags.None, new AsyncCallback(OnSent), handler);
                }

                private static void OnSent(IAsyncResult ar)
                {
                    Socket handler = ar.AsyncState as Socket;
                    try
                    {
                        handler.EndSend(ar);
                    }
                    catch (ObjectDisposedException)
                    {
                    }
                    catch (SocketException)
                    {
                        Drop(handler);
                    }
                }

                private static void OnQuitSent(IAsyncResult ar)
                {
                    Socket handler = (Socket)ar.AsyncState;
                    try
                    {
                        handler.EndSend(ar);
                        handler.Shutdown(SocketShutdown.Both);
                    }
                    catch (SocketException)
                    {
                    }

                    Drop(handler);
                }

                private static void OnUpstreamConnected(IAsyncResult ar)
                {
                    var fetch = (Fetch)ar.AsyncState;
                    try
                    {
                        fetch.Upstream.EndConnect(ar);
                        fetch.Upstream.BeginReceive(fetch.Buffer, 0, fetch.Buffer.Length, SocketFlags.None, new AsyncCallback(OnUpstreamReceived), fetch);
                    }
                    catch (SocketException ex)
                    {
                        fetch.Upstream.Close();
                        Reply(fetch.Requester, "ERR " + ex.SocketErrorCode + "\n");
                    }
                }

                private static void OnUpstreamReceived(IAsyncResult ar)
                {
                    var fetch = (Fetch)ar.AsyncState;
                    int read = fetch.Upstream.EndReceive(ar);
                    fetch.Upstream.Close();
                    Reply(fetch.Requester, "fetched: " + Encoding.ASCII.GetString(fetch.Buffer, 0, read).TrimEnd('\n') + "\n");
                }

                private static void Drop(Socket handler)
                {
                    lock (s_gate)
                    {
                        s_sessions.Remove(handler);
                    }

                    handler.Close();
                }
            }
            """),
        ("Session.cs", """
            using System.Net.Sockets;
            using System.Text;

            namespace CallbackServer;

            internal sealed class Session
            {
                public const int BufferSize = 256;
                public readonly byte[] Buffer = new byte[BufferSize];
                public readonly StringBuilder Pending = new StringBuilder();
                public readonly Socket WorkSocket;

                public Session(Socket socket) => WorkSocket = socket;
            }

            internal sealed class Fetch
            {
                public readonly Socket Upstream;
                public readonly Socket Requester;
                public readonly byte[] Buffer = new byte[256];

                public Fetch(Socket upstream, Socket requester)
                {
                    Upstream = upstream;
                    Requester = requester;
                }
            }
            """),
    };
}
