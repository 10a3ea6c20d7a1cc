namespace BypassNet.CodeFixes.Tests.Migration;

/// <summary>
/// A small Redis-like server written for these tests, shaped like real clones: a command interface taking the
/// connection's Socket with a dozen implementations in separate files (some through an abstract base class), a
/// ConcurrentDictionary keyed by Socket, channel subscribers in a nested dictionary, a record holding a Socket, a
/// replica link that connects out through a <c>Task&lt;Socket&gt;</c>-returning method, and LINQ and lambdas over
/// sockets. The protocol is one command per line ("SET k v"); replies are one line each.
/// </summary>
internal static class RedisShapedProgram
{
    /// <summary>Each command in a file of its own, as clones lay them out.</summary>
    private static readonly (string Name, string Body)[] s_commands =
    {
        ("Ping", """return connection.SendLineAsync("PONG");"""),
        ("Echo", """return connection.SendLineAsync(string.Join(' ', args));"""),
        ("Set", """Server.Store[args[0]] = args[1]; Server.Replicas.Forward("SET " + args[0] + " " + args[1]); return connection.SendLineAsync("OK");"""),
        ("Get", """return connection.SendLineAsync(Server.Store.TryGetValue(args[0], out string? value) ? value : "(nil)");"""),
        ("Del", """return connection.SendLineAsync(Server.Store.TryRemove(args[0], out _) ? "1" : "0");"""),
        ("Incr", """string next = Server.Store.AddOrUpdate(args[0], "1", (_, old) => (long.Parse(old) + 1).ToString()); return connection.SendLineAsync(next);"""),
        ("Exists", """return connection.SendLineAsync(Server.Store.ContainsKey(args[0]) ? "1" : "0");"""),
        ("Append", """string joined = Server.Store.AddOrUpdate(args[0], args[1], (_, old) => old + args[1]); return connection.SendLineAsync(joined.Length.ToString());"""),
        ("StrLen", """return connection.SendLineAsync((Server.Store.TryGetValue(args[0], out string? v) ? v.Length : 0).ToString());"""),
        ("Subscribe", """int count = Server.Channels.Subscribe(args[0], connection); return connection.SendLineAsync("subscribed " + count);"""),
        ("Publish", """return PublishAsync(connection, args);"""),
        ("ReplConf", """Server.Replicas.Attach(connection); return connection.SendLineAsync("OK");"""),
        ("ClientCount", """return connection.SendLineAsync(Server.Clients.Count.ToString());"""),
        ("ReplicaCount", """return connection.SendLineAsync(Server.Replicas.Count.ToString());"""),
    };

    /// <summary>The commands that derive from CommandBase (an abstract override family) instead of implementing ICommand directly.</summary>
    private static readonly string[] s_viaBase = { "Echo", "Del", "Exists", "StrLen" };

    public static List<(string Name, string Text)> Sources(string extraCommand = "")
    {
        var sources = new List<(string, string)>
        {
            ("ICommand.cs", """
                using System.Net.Sockets;
                using System.Threading.Tasks;

                namespace MiniRedis;

                interface ICommand
                {
                    string Name { get; }

                    Task Handle(Socket connection, string[] args);
                }

                abstract class CommandBase : ICommand
                {
                    public abstract string Name { get; }

                    public abstract Task Handle(Socket connection, string[] args);
                }
                """),
            ("SocketExtensions.cs", """
                using System;
                using System.Net.Sockets;
                using System.Text;
                using System.Threading.Tasks;

                namespace MiniRedis;

                static class SocketExtensions
                {
                    public static async Task SendLineAsync(this Socket connection, string line)
                    {
                        byte[] bytes = Encoding.UTF8.GetBytes(line + "\n");
                        int sent = 0;
                        while (sent < bytes.Length)
                        {
                            sent += await connection.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
                        }
                    }
                }
                """),
            ("Server.cs", """
                using System;
                using System.Collections.Concurrent;
                using System.Collections.Generic;
                using System.Linq;
                using System.Net;
                using System.Net.Sockets;
                using System.Text;
                using System.Threading;
                using System.Threading.Tasks;

                namespace MiniRedis;

                sealed class ClientState
                {
                    public int Commands { get; set; }
                }

                sealed class Server
                {
                    public static readonly ConcurrentDictionary<string, string> Store = new();
                    public static readonly ConcurrentDictionary<Socket, ClientState> Clients = new();
                    public static readonly ChannelHub Channels = new();
                    public static readonly ReplicaSet Replicas = new();

                    private readonly Socket _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    private readonly Dictionary<string, ICommand> _commands;
                    private readonly List<Session> _sessions = new();

                    private record Session(Socket Connection, DateTime Since);

                    public Server(IEnumerable<ICommand> commands)
                    {
                        _commands = commands.ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);
                    }

                    public int Start()
                    {
                        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                        _listener.Listen(64);
                        return ((IPEndPoint)_listener.LocalEndPoint!).Port;
                    }

                    public async Task AcceptAsync(CancellationToken ct)
                    {
                        while (!ct.IsCancellationRequested)
                        {
                            Socket connection;
                            try
                            {
                                connection = await _listener.AcceptAsync(ct);
                            }
                            catch (OperationCanceledException)
                            {
                                return;
                            }

                            Clients.TryAdd(connection, new ClientState());
                            lock (_sessions)
                            {
                                _sessions.Add(new Session(connection, DateTime.UtcNow));
                            }

                            _ = ServeAsync(connection);
                        }
                    }

                    private async Task ServeAsync(Socket connection)
                    {
                        var buffer = new byte[4096];
                        var pending = new StringBuilder();
                        try
                        {
                            while (true)
                            {
                                int read = await connection.ReceiveAsync(buffer.AsMemory(), SocketFlags.None);
                                if (read == 0)
                                {
                                    break;
                                }

                                pending.Append(Encoding.UTF8.GetString(buffer, 0, read));
                                string text = pending.ToString();
                                int newline;
                                while ((newline = text.IndexOf('\n')) >= 0)
                                {
                                    string line = text[..newline].TrimEnd('\r');
                                    text = text[(newline + 1)..];
                                    await DispatchAsync(connection, line);
                                }

                                pending.Clear().Append(text);
                            }
                        }
                        catch (SocketException)
                        {
                        }
                        finally
                        {
                            Clients.TryRemove(connection, out _);
                            Channels.Drop(connection);
                            lock (_sessions)
                            {
                                _sessions.RemoveAll(s => s.Connection == connection);
                            }

                            connection.Dispose();
                        }
                    }

                    private Task DispatchAsync(Socket connection, string line)
                    {
                        string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        if (parts.Length == 0)
                        {
                            return Task.CompletedTask;
                        }

                        if (Clients.TryGetValue(connection, out ClientState? state))
                        {
                            state.Commands++;
                        }

                        return _commands.TryGetValue(parts[0], out ICommand? command)
                            ? command.Handle(connection, parts[1..])
                            : connection.SendLineAsync("ERR unknown command '" + parts[0] + "'");
                    }

                    public void Stop()
                    {
                        foreach (var (socket, _) in Clients)
                        {
                            socket.Shutdown(SocketShutdown.Both);
                        }

                        _listener.Dispose();
                    }
                }
                """),
            ("ChannelHub.cs", """
                using System.Collections.Concurrent;
                using System.Linq;
                using System.Net.Sockets;
                using System.Threading.Tasks;

                namespace MiniRedis;

                sealed class ChannelHub
                {
                    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Socket, byte>> _channels = new();

                    public int Subscribe(string channel, Socket connection)
                    {
                        var members = _channels.GetOrAdd(channel, _ => new ConcurrentDictionary<Socket, byte>());
                        members.TryAdd(connection, 0);
                        return members.Count;
                    }

                    public async Task<int> PublishAsync(string channel, string message)
                    {
                        if (!_channels.TryGetValue(channel, out var members))
                        {
                            return 0;
                        }

                        await Task.WhenAll(members.Keys.Select(s => s.SendLineAsync("message " + channel + " " + message)));
                        return members.Count;
                    }

                    public void Drop(Socket connection)
                    {
                        foreach (ConcurrentDictionary<Socket, byte> members in _channels.Values)
                        {
                            members.TryRemove(connection, out _);
                        }
                    }
                }
                """),
            ("ReplicaSet.cs", """
                using System;
                using System.Collections.Generic;
                using System.Net;
                using System.Net.Sockets;
                using System.Threading.Tasks;

                namespace MiniRedis;

                /// <summary>Replicas attached to this server, and the link from a replica to its primary.</summary>
                sealed class ReplicaSet
                {
                    private readonly HashSet<Socket> _replicas = new();

                    public int Count
                    {
                        get
                        {
                            lock (_replicas)
                            {
                                return _replicas.Count;
                            }
                        }
                    }

                    public void Attach(Socket replica)
                    {
                        lock (_replicas)
                        {
                            _replicas.Add(replica);
                        }
                    }

                    public void Forward(string command)
                    {
                        Socket[] targets;
                        lock (_replicas)
                        {
                            targets = new Socket[_replicas.Count];
                            _replicas.CopyTo(targets);
                        }

                        foreach (Socket replica in targets)
                        {
                            _ = replica.SendLineAsync(command);
                        }
                    }

                    public static async Task<Socket> ConnectToPrimaryAsync(EndPoint primary)
                    {
                        var link = new Socket(SocketType.Stream, ProtocolType.Tcp);
                        link.NoDelay = true;
                        await link.ConnectAsync(primary);
                        await link.SendLineAsync("REPLCONF");
                        return link;
                    }

                    /// <summary>Applies what the primary forwards to this replica's store, until the primary goes away.</summary>
                    public static async Task FollowAsync(Task<Socket> connecting)
                    {
                        Socket link = await connecting;
                        var buffer = new byte[4096];
                        string pending = "";
                        while (true)
                        {
                            int read = await link.ReceiveAsync(buffer, SocketFlags.None);
                            if (read == 0)
                            {
                                break;
                            }

                            pending += System.Text.Encoding.UTF8.GetString(buffer, 0, read);
                            int newline;
                            while ((newline = pending.IndexOf('\n')) >= 0)
                            {
                                string[] parts = pending[..newline].Split(' ');
                                pending = pending[(newline + 1)..];
                                if (parts.Length == 3 && parts[0] == "SET")
                                {
                                    Replicated[parts[1]] = parts[2];
                                }
                            }
                        }

                        link.Dispose();
                    }

                    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Replicated = new();
                }
                """),
        };

        foreach ((string name, string body) in s_commands)
        {
            bool viaBase = Array.IndexOf(s_viaBase, name) >= 0;
            string header = viaBase ? $"sealed class {name}Command : CommandBase" : $"sealed class {name}Command : ICommand";
            string modifiers = viaBase ? "public override" : "public";
            string extra = name == "Publish"
                ? """

                    private static async Task PublishAsync(Socket connection, string[] args)
                    {
                        int receivers = await Server.Channels.PublishAsync(args[0], args[1]);
                        await connection.SendLineAsync(receivers.ToString());
                    }
                """
                : "";
            sources.Add(($"{name}Command.cs", $$"""
                using System.Net.Sockets;
                using System.Threading.Tasks;

                namespace MiniRedis;

                {{header}}
                {
                    {{modifiers}} string Name => "{{name.ToUpperInvariant()}}";

                    {{modifiers}} Task Handle(Socket connection, string[] args)
                    {
                        {{body}}
                    }
                {{extra}}
                }
                """));
        }

        if (extraCommand.Length > 0)
        {
            sources.Add(("ExtraCommand.cs", extraCommand));
        }

        sources.Add(("Program.cs", """
            using System;
            using System.Net;
            using System.Threading;
            using System.Threading.Tasks;

            namespace MiniRedis;

            /// <summary>Entry points for the behaviour test: a primary and a replica following it, on loopback.</summary>
            public static class Program
            {
                private static Server? s_primary;
                private static CancellationTokenSource? s_stop;

                public static int StartPrimary()
                {
                    s_stop = new CancellationTokenSource();
                    s_primary = new Server(new ICommand[]
                    {
                        new PingCommand(), new EchoCommand(), new SetCommand(), new GetCommand(), new DelCommand(), new IncrCommand(),
                        new ExistsCommand(), new AppendCommand(), new StrLenCommand(), new SubscribeCommand(), new PublishCommand(),
                        new ReplConfCommand(), new ClientCountCommand(), new ReplicaCountCommand(),
                    });
                    int port = s_primary.Start();
                    _ = s_primary.AcceptAsync(s_stop.Token);
                    return port;
                }

                public static Task StartReplica(int primaryPort) =>
                    ReplicaSet.FollowAsync(ReplicaSet.ConnectToPrimaryAsync(new IPEndPoint(IPAddress.Loopback, primaryPort)));

                public static string? Replicated(string key) => ReplicaSet.Replicated.TryGetValue(key, out string? value) ? value : null;

                public static void Stop()
                {
                    s_stop?.Cancel();
                    s_primary?.Stop();
                }
            }
            """));
        return sources;
    }
}
