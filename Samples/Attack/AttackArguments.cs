using System.Globalization;
using System.Net;

namespace BypassNet.Samples.Attack;

/// <summary>The command line: an attack name, a loopback target and the attack's bounds.</summary>
internal sealed class AttackArguments
{
    public const string Usage = """
        usage: Attack ATTACK --target 127.0.0.1:PORT [options]     (loopback targets only)
          stall        N connections push M MiB each with a small SO_RCVBUF and never read
          dribble      RESP: N connections pipeline G GETs of a large value in tiny segments, never read
          slowloris    HTTP: N connections send a request head one byte per interval, never finish it
          fdflood      connect N times (past the server's descriptor limit), hold, release
          idle-memory  open idle connections in steps; print the server's RSS growth per connection (--pid)
        options:
          --connections N    attacker connections (stall 100, dribble 8, slowloris 200, fdflood 2000)
          --mib M            stall: MiB each connection pushes (default 4)
          --payload KIND     stall: raw | resp | http (default: raw for --probe echo, resp for resp, http for http)
          --rcvbuf B         attacker SO_RCVBUF in bytes (default 4096)
          --value-kib K      dribble: size of the value (default 1024)   --gets G   GETs per connection (default 8)
          --segment B        dribble: bytes per segment (default 2)      --segment-ms T  pause between (default 5)
          --byte-ms T        slowloris: ms between bytes (default 1000)
          --hold S           seconds the attack stays in place while probing (default 10)
          --after S          seconds of probing after the attack is released (default 2)
          --probe KIND       the healthy client: echo | resp | http (default echo)
          --path P           HTTP path (default /plaintext)
          --interval MS      ms between probes (default 100)          --timeout MS  per probe (default 2000)
          --pid PID          idle-memory: the server's process id     --steps LIST  e.g. 10000,19000
        Exit code 0 when every healthy probe was answered (idle-memory: every connection opened), 1 otherwise.
        """;

    public string Attack { get; private set; } = string.Empty;

    public IPEndPoint Target { get; private set; } = new(IPAddress.Loopback, 0);

    public int? Connections { get; private set; }

    public int Mebibytes { get; private set; } = 4;

    public string? Payload { get; private set; }

    public int ReceiveBuffer { get; private set; } = 4096;

    public int ValueKib { get; private set; } = 1024;

    public int Gets { get; private set; } = 8;

    public int Segment { get; private set; } = 2;

    public TimeSpan SegmentDelay { get; private set; } = TimeSpan.FromMilliseconds(5);

    public TimeSpan ByteInterval { get; private set; } = TimeSpan.FromSeconds(1);

    public TimeSpan Hold { get; private set; } = TimeSpan.FromSeconds(10);

    public TimeSpan After { get; private set; } = TimeSpan.FromSeconds(2);

    public string Probe { get; private set; } = "echo";

    public string Path { get; private set; } = "/plaintext";

    public TimeSpan Interval { get; private set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(2);

    public int Pid { get; private set; }

    public IReadOnlyList<int> Steps { get; private set; } = [10_000, 19_000];

    public static AttackArguments Parse(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            throw new ArgumentException("name an attack first");
        }

        var parsed = new AttackArguments { Attack = args[0] };
        bool targetGiven = false;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--target":
                    parsed.Target = IPEndPoint.Parse(Value(args, ref i));
                    if (!IPAddress.IsLoopback(parsed.Target.Address))
                    {
                        throw new ArgumentException("attacks go to loopback addresses only");
                    }

                    targetGiven = true;
                    break;
                case "--connections": parsed.Connections = Int(args, ref i, 0, 100_000); break;
                case "--mib": parsed.Mebibytes = Int(args, ref i, 0, 1024); break;
                case "--payload": parsed.Payload = Value(args, ref i); break;
                case "--rcvbuf": parsed.ReceiveBuffer = Int(args, ref i, 0, 64 * 1024 * 1024); break;
                case "--value-kib": parsed.ValueKib = Int(args, ref i, 1, 512 * 1024); break;
                case "--gets": parsed.Gets = Int(args, ref i, 1, 10_000); break;
                case "--segment": parsed.Segment = Int(args, ref i, 1, 65536); break;
                case "--segment-ms": parsed.SegmentDelay = TimeSpan.FromMilliseconds(Int(args, ref i, 0, 60_000)); break;
                case "--byte-ms": parsed.ByteInterval = TimeSpan.FromMilliseconds(Int(args, ref i, 1, 60_000)); break;
                case "--hold": parsed.Hold = TimeSpan.FromSeconds(Int(args, ref i, 0, 600)); break;
                case "--after": parsed.After = TimeSpan.FromSeconds(Int(args, ref i, 0, 600)); break;
                case "--probe": parsed.Probe = Value(args, ref i); break;
                case "--path": parsed.Path = Value(args, ref i); break;
                case "--interval": parsed.Interval = TimeSpan.FromMilliseconds(Int(args, ref i, 1, 60_000)); break;
                case "--timeout": parsed.Timeout = TimeSpan.FromMilliseconds(Int(args, ref i, 1, 600_000)); break;
                case "--pid": parsed.Pid = Int(args, ref i, 1, int.MaxValue); break;
                case "--steps": parsed.Steps = [.. Value(args, ref i).Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
                default: throw new ArgumentException($"unexpected argument '{args[i]}'");
            }
        }

        return targetGiven ? parsed : throw new ArgumentException("--target 127.0.0.1:PORT is required");
    }

    private static string Value(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");

    private static int Int(string[] args, ref int i, int min, int max)
    {
        string value = Value(args, ref i);
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{args[i - 1]} wants a whole number from {min} to {max}, not '{value}'");
    }
}
