namespace BypassNet.Samples.Demo;

/// <summary>The servers a run compares: BypassNet, the System.Net.Sockets baseline and, when given, the native anchor.</summary>
internal sealed record ServerFactory(string Name, Func<IServerUnderTest> Start)
{
    public static IReadOnlyList<ServerFactory> For(DemoArguments arguments, BypassNetOptions options)
    {
        var factories = new List<ServerFactory>
        {
            new("BypassNet", () => BypassNetServer.Start(options)),
            new(ResultTable.Baseline, SocketEchoServer.Start),
        };
        if (arguments.Native is { } native)
        {
            factories.Add(new("native", () => NativeServer.Start(native)));
        }

        return factories;
    }

    /// <summary>BypassNet as the demo runs it: io_uring, owned buffers, continuations on the ring threads.</summary>
    public static BypassNetOptions BypassNetOptions(DemoArguments arguments)
    {
        var options = new BypassNetOptions { Engine = EngineKind.IoUring, InlineContinuations = true };
        if (arguments.Rings is { } rings)
        {
            options.RingCount = rings;
        }

        return options;
    }
}
