namespace BypassNet.Samples.Demo;

/// <summary>One phase of the demo: a load client for one server, a warm-up, one measurement window.</summary>
internal static class PhaseRunner
{
    public static Measurement Run(IServerUnderTest server, LoadCase load, TimeSpan warmup, TimeSpan window, Action<string> progress)
    {
        progress($"  {server.Name,-24} {load.Title}: warming up {warmup.TotalSeconds:0.#} s, measuring {window.TotalSeconds:0.#} s");
        using LoadProcess client = LoadProcess.Start(server.EndPoint.Port, load);
        Thread.Sleep(warmup);
        Measurement measurement = MeasurementWindow.Measure(server, client, load, window);
        client.Stop();
        return measurement;
    }
}
