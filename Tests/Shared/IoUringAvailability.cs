namespace BypassNet.Testing;

/// <summary>
/// Whether BypassNet really gets io_uring on this machine, asked once per test process by creating a small runtime
/// (the same decision the engine selector makes: kernel, seccomp, memlock, NODROP). Linked into each test project
/// that needs it (Tests/Directory.Build.props), so every suite asks the same question the same way.
/// </summary>
internal static class IoUringAvailability
{
    private static readonly Lazy<bool> s_available = new(() =>
    {
        // Auto, not IoUring: asking for io_uring explicitly throws where it cannot be had.
        using BypassRuntime runtime = BypassRuntime.Create(new BypassNetOptions { Engine = EngineKind.Auto, RingCount = 1, SendBufferCount = 4, ReceiveBuffersPerRing = 8 });
        return runtime.Engine == EngineKind.IoUring;
    });

    /// <summary>True when a runtime asking for io_uring gets it.</summary>
    public static bool Available => s_available.Value;

    /// <summary>
    /// A runtime on <paramref name="engine"/> with the suites' small defaults (two rings, 64 send buffers of 64 KiB, 64
    /// receive slots per ring) after <paramref name="configure"/> has adjusted them. Throws if it asked for io_uring on
    /// a machine that has it but runs on sockets: an io_uring test that silently ran on sockets would prove nothing.
    /// </summary>
    public static BypassRuntime CreateRuntime(EngineKind engine, Action<BypassNetOptions>? configure)
    {
        var options = new BypassNetOptions
        {
            Engine = engine,
            RingCount = 2,
            SendBufferCount = 64,
            SendBufferSize = 64 * 1024,
            ReceiveBuffersPerRing = 64,
        };
        configure?.Invoke(options);
        BypassRuntime runtime = BypassRuntime.Create(options);
        if (options.Engine == EngineKind.IoUring && Available && runtime.Engine != EngineKind.IoUring)
        {
            runtime.Dispose();
            throw new InvalidOperationException($"asked for io_uring on a machine that has it, but the runtime runs on {runtime.Engine}");
        }

        return runtime;
    }
}
