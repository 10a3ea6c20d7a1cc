using System.Globalization;

namespace BypassNet.Samples.Demo;

/// <summary>The command line of the demo, the benchmark and the hidden load-client and socket-server modes.</summary>
internal sealed class DemoArguments
{
    public const string Usage = """
        usage: Demo [--bench] [options]
          (no mode)            the demo: cases small and large on each server in turn, once (~45 s)
          --bench              the benchmark: all servers up at once, measured in alternating slices, medians reported
          --repetitions N      benchmark rounds (default 15)
          --warmup S           seconds of load before measuring a server (default 2; demo 1.5)
          --duration S         seconds measured per server: demo 5 per case, benchmark 2 per round
          --case LIST          comma-separated: latency (1 x 64 B), small (64 x 64 B), scale (1,000 x 64 B),
                               large (4 x 64 KiB), or all (the benchmark's default; the demo's is small,large)
          --echo-server PATH   the BypassNet EchoServer to measure (default: the sample this build made)
          --echo-arg ARG       pass ARG to the EchoServer (repeatable; default none: the sample's own defaults)
          --native PATH        the C anchor (PATH PORT; prints "listening"); default: echo_uring beside this program,
                               built when gcc and liburing-dev are installed
        """;

    public bool Bench { get; private set; }

    public bool Load { get; private set; }

    public bool ServeSockets { get; private set; }

    public int Port { get; private set; }

    public int Connections { get; private set; } = 1;

    public int MessageSize { get; private set; } = 64;

    public int Repetitions { get; private set; } = 15;

    public TimeSpan? Warmup { get; private set; }

    public TimeSpan? Duration { get; private set; }

    public string? Native { get; private set; }

    public string? EchoServer { get; private set; }

    public List<string> EchoArguments { get; } = [];

    public IReadOnlyList<LoadCase>? Cases { get; private set; }

    public static DemoArguments Parse(string[] args)
    {
        var parsed = new DemoArguments();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--bench":
                    parsed.Bench = true;
                    break;
                case "--load":
                    parsed.Load = true;
                    break;
                case "--serve-sockets":
                    parsed.ServeSockets = true;
                    break;
                case "--echo-server":
                    parsed.EchoServer = Value(args, ref i);
                    break;
                case "--echo-arg":
                    parsed.EchoArguments.Add(Value(args, ref i));
                    break;
                case "--port":
                    parsed.Port = Int(args, ref i, 1, 65535);
                    break;
                case "--connections":
                    parsed.Connections = Int(args, ref i, 1, 10_000);
                    break;
                case "--size":
                    parsed.MessageSize = Int(args, ref i, 1, 16 * 1024 * 1024);
                    break;
                case "--repetitions":
                    parsed.Repetitions = Int(args, ref i, 1, 1000);
                    break;
                case "--warmup":
                    parsed.Warmup = TimeSpan.FromSeconds(Seconds(args, ref i));
                    break;
                case "--duration":
                    parsed.Duration = TimeSpan.FromSeconds(Seconds(args, ref i));
                    break;
                case "--native":
                    parsed.Native = Value(args, ref i);
                    break;
                case "--case":
                    parsed.Cases = LoadCase.ParseList(Value(args, ref i));
                    break;
                default:
                    throw new ArgumentException($"unexpected argument '{args[i]}'");
            }
        }

        return parsed;
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

    private static double Seconds(string[] args, ref int i)
    {
        string value = Value(args, ref i);
        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s >= 0 && s <= 3600
            ? s
            : throw new ArgumentException($"{args[i - 1]} wants seconds, not '{value}'");
    }
}
