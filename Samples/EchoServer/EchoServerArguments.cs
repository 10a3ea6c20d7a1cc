namespace BypassNet.Samples.EchoServer;

/// <summary>
/// The command line: <c>--port N</c>, <c>--engine iouring|socket|auto</c>, <c>--max-connections N</c> and
/// <c>--inline true|false</c> and <c>--busypoll MICROSECONDS</c>.
/// </summary>
internal sealed record EchoServerArguments(int Port, EngineKind Engine, int MaxConnections, bool Inline, int? BusyPollMicroseconds)
{
    public const string Usage = "usage: EchoServer [--port N (default 9000)] [--engine iouring|socket|auto] [--max-connections N (default: the descriptor limit less a reserve)] [--inline true|false (default true: the loop runs on the ring threads)] [--busypoll MICROSECONDS (default: the runtime's; 0 never spins)]";

    public static bool TryParse(string[] args, out EchoServerArguments parsed, out string? error)
    {
        int port = 9000;
        int maxConnections = 0;
        EngineKind engine = EngineKind.Auto;
        bool inline = true;
        int? busyPoll = null;
        parsed = new EchoServerArguments(port, engine, maxConnections, inline, busyPoll);
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : string.Empty;
            switch (args[i])
            {
                case "--port" when int.TryParse(value, out port) && port is >= 0 and <= 65535:
                    i++;
                    break;
                case "--engine" when value is "iouring" or "io_uring":
                    engine = EngineKind.IoUring;
                    i++;
                    break;
                case "--engine" when value is "socket" or "sockets":
                    engine = EngineKind.Socket;
                    i++;
                    break;
                case "--engine" when value is "auto":
                    engine = EngineKind.Auto;
                    i++;
                    break;
                case "--max-connections" when int.TryParse(value, out maxConnections) && maxConnections > 0:
                    i++;
                    break;
                case "--inline" when bool.TryParse(value, out inline):
                    i++;
                    break;
                case "--busypoll" when int.TryParse(value, out int microseconds) && microseconds is >= 0 and <= 10_000:
                    busyPoll = microseconds;
                    i++;
                    break;
                case "-h" or "--help":
                    error = null;
                    return false;
                default:
                    error = $"unexpected argument '{args[i]}'";
                    return false;
            }
        }

        parsed = new EchoServerArguments(port, engine, maxConnections, inline, busyPoll);
        error = null;
        return true;
    }
}
