using System.Reflection;

namespace BypassNet.Samples.Demo;

/// <summary>
/// The servers a run compares, each in its own process: the BypassNet EchoServer sample at its defaults, the
/// System.Net.Sockets baseline (this program with <c>--serve-sockets</c>) and, when built, the C liburing anchor.
/// </summary>
internal sealed record ServerFactory(string Name, Func<IServerUnderTest> Start)
{
    public const string BypassNet = "BypassNet EchoServer";

    public static IReadOnlyList<ServerFactory> For(DemoArguments arguments)
    {
        string echo = arguments.EchoServer ?? DefaultEchoServer();
        string[] echoArguments = ["--port", "{port}", .. arguments.EchoArguments];
        var factories = new List<ServerFactory>
        {
            new(BypassNet, () => echo.EndsWith(".dll", StringComparison.Ordinal)
                ? ServerProcess.Start(BypassNet, DotnetHost(), [echo, .. echoArguments], dotnet: true)
                : ServerProcess.Start(BypassNet, echo, echoArguments, dotnet: true)),
            new(ResultTable.Baseline, () => StartSelf(ResultTable.Baseline, ["--serve-sockets", "--port", "{port}"])),
        };
        if (NativePath(arguments) is { } native)
        {
            factories.Add(new(ResultTable.Anchor, () => ServerProcess.Start(ResultTable.Anchor, native, ["{port}"], dotnet: false)));
        }

        return factories;
    }

    /// <summary>The C anchor: as given, or the one the build made beside this program (needs gcc and liburing-dev).</summary>
    public static string? NativePath(DemoArguments arguments)
    {
        string beside = Path.Combine(AppContext.BaseDirectory, "echo_uring");
        return arguments.Native ?? (File.Exists(beside) ? beside : null);
    }

    private static ServerProcess StartSelf(string name, string[] arguments)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this executable is unknown.");
        return Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? ServerProcess.Start(name, self, [typeof(ServerFactory).Assembly.Location, .. arguments], dotnet: true)
            : ServerProcess.Start(name, self, arguments, dotnet: true);
    }

    private static string DotnetHost()
    {
        string? self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    private static string DefaultEchoServer() =>
        typeof(ServerFactory).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "EchoServerPath")?.Value
        ?? throw new InvalidOperationException("This build does not know where the EchoServer sample is: pass --echo-server PATH.");
}
