namespace BypassNet.Soak;

/// <summary>Command line of the soak: how long, which engine, how many connections, how much churn and fault injection.</summary>
internal sealed class SoakOptions
{
    public int Seconds { get; private set; } = 600;

    public EngineKind Engine { get; private set; } = EngineKind.IoUring;

    public int Connections { get; private set; } = 64;

    /// <summary>Round trips a connection makes before it is closed and replaced.</summary>
    public int RoundTripsPerConnection { get; private set; } = 200;

    /// <summary>Largest message of a round trip.</summary>
    public int MaxMessage { get; private set; } = 64 * 1024;

    public int ReportSeconds { get; private set; } = 10;

    public bool Poison { get; private set; }

    public static SoakOptions Parse(string[] args)
    {
        var options = new SoakOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--seconds":
                    options.Seconds = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--engine":
                    options.Engine = Next().ToLowerInvariant() switch
                    {
                        "socket" => EngineKind.Socket,
                        "iouring" or "io_uring" => EngineKind.IoUring,
                        "auto" => EngineKind.Auto,
                        string other => throw new ArgumentException($"unknown engine {other}"),
                    };
                    break;
                case "--connections":
                    options.Connections = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--round-trips":
                    options.RoundTripsPerConnection = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--max-message":
                    options.MaxMessage = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--report":
                    options.ReportSeconds = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--poison":
                    options.Poison = true;
                    break;
                case "-h" or "--help":
                    Console.WriteLine("soak [--seconds 600] [--engine iouring|socket|auto] [--connections 64] [--round-trips 200] [--max-message 65536] [--report 10] [--poison]");
                    Environment.Exit(0);
                    break;
                default:
                    throw new ArgumentException($"unknown argument {args[i]}");
            }
        }

        return options;
    }
}
