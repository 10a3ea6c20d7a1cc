namespace BypassNet.Samples.Demo;

/// <summary>One phase of the demo: a fresh server and its load client, a warm-up, one measurement window.</summary>
internal static class PhaseRunner
{
    public static async Task<Measurement> RunAsync(ServerFactory factory, LoadCase load, TimeSpan warmup, TimeSpan window, Action<string> progress)
    {
        IServerUnderTest server = factory.Start();
        await using (server.ConfigureAwait(false))
        {
            progress($"  {server.Name,-24} {load.Title}: warming up {warmup.TotalSeconds:0.#} s, measuring {window.TotalSeconds:0.#} s{Banner(server)}");
            using LoadProcess client = LoadProcess.Start(server.EndPoint.Port, load);
            Thread.Sleep(warmup);
            Measurement measurement = MeasurementWindow.Measure(server, client, load, window);
            client.Stop();
            return measurement;
        }
    }

    /// <summary>The server's own words about itself (the EchoServer names its engine), when it said more than "listening".</summary>
    public static string Banner(IServerUnderTest server) =>
        server is ServerProcess { Banner: { Length: > 0 } banner } ? $"\n    [{banner.Trim()}]" : string.Empty;
}
