using System.Globalization;

namespace BypassNet.Samples.Demo;

/// <summary>The command line of the demo, the benchmark and the hidden load-client mode.</summary>
internal sealed class DemoArguments
{
    public const string Usage = """
        usage: Demo [--bench] [options]
          (no mode)            the demo: each standard case on BypassNet and System.Net.Sockets, once (~40 s)
          --bench              the benchmark: all servers up at once, measured in alternating slices, medians reported
          --repetitions N      benchmark rounds (default 15)
          --warmup S           seconds of load before measuring a server (default 2)
          --duration S         seconds measured per server: demo 6 per case, benchmark 2 per round
          --rings N            BypassNet rings (default: one per processor)
          --case small|large   run one case only (64 x 64 B, or 4 x 64 KiB)
          --native PATH        also measure this native echo server (PATH PORT; prints "listening")
        """;

    public bool Bench { get; private set; }

    public bool Load { get; private set; }

    public int Port { get; private set; }

    public int Connections { get; private set; } = 1;

    public int MessageSize { get; private set; } = 64;

    public int Repetitions { get; private set; } = 15;

    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(2);

    public TimeSpan? Duration { get; private set; }

    public int? Rings { get; private set; }

    public string? Native { get; private set; }

    public IReadOnlyList<LoadCase> Cases { get; private set; } = LoadCase.Standard;

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
                case "--rings":
                    parsed.Rings = Int(args, ref i, 1, 64);
                    break;
                case "--native":
                    parsed.Native = Value(args, ref i);
                    break;
                case "--case":
                    parsed.Cases = Value(args, ref i) switch
                    {
                        "small" => [LoadCase.ManySmall],
                        "large" => [LoadCase.FewLarge],
                        "all" => LoadCase.Standard,
                        string other => throw new ArgumentException($"unknown case '{other}'"),
                    };
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
