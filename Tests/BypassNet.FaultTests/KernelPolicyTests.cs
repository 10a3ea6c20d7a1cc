using System.Diagnostics.Metrics;
using System.Diagnostics.Tracing;
using BypassNet.Engines;
using BypassNet.FaultTests.Support;
using BypassNet.Interop;

namespace BypassNet.FaultTests;

/// <summary>
/// The kernel policy, one feature at a time through <see cref="BypassNetOptions.DisabledFeatures"/> (the kernel here
/// has them all, and an older one cannot be booted for a test): a missing required feature means the socket engine
/// with a reason naming it — or an exception naming it when io_uring was asked for — and a missing optional one is a
/// listed, logged and traced degradation.
/// </summary>
public sealed class KernelPolicyTests
{
    public static TheoryData<IoUringFeatures> Required => new()
    {
        IoUringFeatures.NoDrop,
        IoUringFeatures.OpcodeProbe,
        IoUringFeatures.SocketOpcodes,
        IoUringFeatures.CancelFlags,
        IoUringFeatures.BufferRings,
        IoUringFeatures.MultishotAccept,
        IoUringFeatures.MultishotReceive,
    };

    public static TheoryData<IoUringFeatures> Optional => new()
    {
        IoUringFeatures.SendZeroCopy,
        IoUringFeatures.SendZeroCopyReportUsage,
        IoUringFeatures.FixedBuffers,
        IoUringFeatures.DeferTaskrun,
    };

    [SkippableFact]
    public void The_probe_finds_every_feature_on_a_kernel_that_has_them_all()
    {
        Skip.IfNot(Faults.IoUringAvailable, "io_uring is unavailable on this machine");
        Skip.IfNot(KernelAtLeast(6, 12), $"kernel {ProcessLimits.KernelRelease()} predates IOU_PBUF_RING_INC (6.12)");
        using BypassRuntime runtime = Faults.Create(EngineKind.Auto);
        IoUringFeatures all = KernelPolicy.Rules.Aggregate(IoUringFeatures.None, (sum, rule) => sum | rule.Feature);
        Assert.Equal(all, runtime.Capabilities!.Features & all);
        Assert.Empty(runtime.Degradations);
    }

    [SkippableTheory]
    [MemberData(nameof(Required))]
    public void A_missing_required_feature_falls_back_to_sockets_with_a_reason_naming_it(IoUringFeatures feature)
    {
        Skip.IfNot(Faults.IoUringAvailable, "io_uring is unavailable on this machine");
        using var events = new BypassNetEvents();
        using BypassRuntime runtime = BypassRuntime.Create(new BypassNetOptions { RingCount = 1, DisabledFeatures = feature });
        Assert.Equal(EngineKind.Socket, runtime.Engine);
        Assert.Contains(feature.ToString(), runtime.FallbackReason);
        Assert.Contains("DisabledFeatures", runtime.FallbackReason);
        Assert.Empty(runtime.Degradations);
        Assert.Contains(events.Fallbacks, reason => reason.Contains(feature.ToString(), StringComparison.Ordinal));
    }

    [SkippableTheory]
    [MemberData(nameof(Required))]
    public void A_missing_required_feature_with_io_uring_asked_for_fails_naming_it(IoUringFeatures feature)
    {
        Skip.IfNot(Faults.IoUringAvailable, "io_uring is unavailable on this machine");
        PlatformNotSupportedException refused = Assert.Throws<PlatformNotSupportedException>(
            () => BypassRuntime.Create(new BypassNetOptions { Engine = EngineKind.IoUring, RingCount = 1, DisabledFeatures = feature }));
        Assert.Contains(feature.ToString(), refused.Message);
        Assert.Contains("BypassNetOptions.Engine = IoUring", refused.Message);
    }

    [SkippableFact]
    public void Io_uring_forced_by_the_environment_fails_instead_of_falling_back()
    {
        Skip.IfNot(Faults.IoUringAvailable, "io_uring is unavailable on this machine");
        Environment.SetEnvironmentVariable(BypassNetOptions.EngineEnvironmentVariable, "iouring");
        try
        {
            PlatformNotSupportedException refused = Assert.Throws<PlatformNotSupportedException>(
                () => BypassRuntime.Create(new BypassNetOptions { RingCount = 1, DisabledFeatures = IoUringFeatures.CancelFlags }));
            Assert.Contains("BYPASSNET_ENGINE=iouring", refused.Message);
            Assert.Contains(nameof(IoUringFeatures.CancelFlags), refused.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(BypassNetOptions.EngineEnvironmentVariable, null);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Optional))]
    public async Task A_missing_optional_feature_is_a_listed_degradation_and_io_uring_still_echoes(IoUringFeatures feature)
    {
        Skip.IfNot(Faults.IoUringAvailable, "io_uring is unavailable on this machine");
        using var events = new BypassNetEvents();
        using var gauges = new DegradationGauge();
        using BypassRuntime runtime = Faults.Create(EngineKind.IoUring, o =>
        {
            o.DisabledFeatures = feature;
            o.ZeroCopyThreshold = 4096;
        });
        Degradation degradation = Assert.Single(runtime.Degradations);
        Assert.Equal(feature.ToString(), degradation.Feature);
        Assert.Contains("DisabledFeatures", degradation.Reason);
        Assert.False(runtime.Capabilities!.Has(feature));
        Assert.Contains(events.Degraded, d => d.Feature == feature.ToString());
        Assert.Contains(feature.ToString(), gauges.Read());
        switch (feature)
        {
            case IoUringFeatures.SendZeroCopyReportUsage:
                // SEND_ZC is issued with usage reports only.
                Assert.False(runtime.Capabilities.SendZeroCopy);
                break;
            case IoUringFeatures.DeferTaskrun:
                Assert.Equal(0u, runtime.Capabilities.SetupFlags & IoUringConstants.SetupDeferTaskrun);
                break;
        }

        using BypassSocket listener = Faults.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await Faults.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            Task echo = Faults.EchoUntilClosedAsync(server);
            byte[] payload = Faults.Stream(seed: 5, 200_000);
            Task<byte[]> reading = Faults.ReceiveExactlyAsync(client, payload.Length);
            await Faults.SendOwnedAsync(client, payload);
            Assert.Equal(payload, await reading.WaitAsync(Faults.Guard));
            client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            await echo.WaitAsync(Faults.Guard);
        }

        await Faults.AssertEverythingHomeAsync(runtime);
    }

    [SkippableFact]
    public void A_probed_feature_nothing_uses_yet_is_no_degradation()
    {
        Skip.IfNot(Faults.IoUringAvailable, "io_uring is unavailable on this machine");
        using BypassRuntime runtime = Faults.Create(EngineKind.IoUring, o => o.DisabledFeatures = IoUringFeatures.IncrementalBufferConsumption);
        Assert.Equal(EngineKind.IoUring, runtime.Engine);
        Assert.Empty(runtime.Degradations);
        Assert.False(runtime.Capabilities!.IncrementalBufferConsumption);
    }

    [Fact]
    public void Every_feature_has_a_rule_and_every_rule_a_kernel_version()
    {
        foreach (IoUringFeatures feature in Enum.GetValues<IoUringFeatures>().Where(f => f != IoUringFeatures.None))
        {
            FeatureRule rule = KernelPolicy.Rule(feature);
            Assert.Matches(@"^\d+\.\d+", rule.Kernel);
            Assert.False(string.IsNullOrWhiteSpace(rule.Without));
        }
    }

    private static bool KernelAtLeast(int major, int minor)
    {
        string[] parts = ProcessLimits.KernelRelease().Split('.', '-');
        return parts.Length >= 2 && int.TryParse(parts[0], out int a) && int.TryParse(parts[1], out int b) && (a > major || (a == major && b >= minor));
    }

    /// <summary>Listens to the "BypassNet" EventSource, as dotnet-trace would, and keeps fallback and degradation events.</summary>
    private sealed class BypassNetEvents : EventListener
    {
        private readonly List<string> _fallbacks = new();
        private readonly List<(string Feature, string Reason)> _degraded = new();

        public IReadOnlyList<string> Fallbacks
        {
            get
            {
                lock (_fallbacks)
                {
                    return _fallbacks.ToList();
                }
            }
        }

        public IReadOnlyList<(string Feature, string Reason)> Degraded
        {
            get
            {
                lock (_fallbacks)
                {
                    return _degraded.ToList();
                }
            }
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "BypassNet")
            {
                EnableEvents(eventSource, EventLevel.Verbose);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            lock (_fallbacks)
            {
                switch (e.EventName)
                {
                    case "Fallback":
                        _fallbacks.Add((string)e.Payload![0]!);
                        break;
                    case "Degraded":
                        _degraded.Add(((string)e.Payload![0]!, (string)e.Payload[1]!));
                        break;
                }
            }
        }
    }

    /// <summary>Reads the meter's <c>bypassnet.runtimes.degraded</c> gauge, as dotnet-counters would: the features it reports.</summary>
    private sealed class DegradationGauge : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<string> _features = new();

        public DegradationGauge()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == BypassNetMetrics.MeterName && instrument.Name == "bypassnet.runtimes.degraded")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
            {
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    if (tag.Key == "feature" && value > 0)
                    {
                        _features.Add((string)tag.Value!);
                    }
                }
            });
            _listener.Start();
        }

        public IReadOnlyList<string> Read()
        {
            _features.Clear();
            _listener.RecordObservableInstruments();
            return _features.ToList();
        }

        public void Dispose() => _listener.Dispose();
    }
}
