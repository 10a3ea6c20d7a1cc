using BypassNet.Interop;
using BypassNet.Ring;
using BypassNet.Tests.Support;

namespace BypassNet.Tests.Ring;

/// <summary>The ring against the real kernel: no mocks.</summary>
public sealed class IoUringTests
{
    [SkippableFact]
    public void Nop_round_trips_through_the_kernel()
    {
        Skip.IfNot(TestEngines.IoUringAvailable, "io_uring is unavailable on this machine");
        Assert.Equal(0, IoUring.TryCreate(8, 0, 0, out IoUring? created));
        using IoUring ring = created!;
        {
            ref IoUringSqe sqe = ref ring.TryGetSqe();
            Sqe.Nop(ref sqe, 0xDEADBEEF_0000_0007);
            Assert.Equal(1, ring.SubmitAndWait(1));
            var collector = new Collector();
            Assert.Equal(1, ring.ReapCompletions(ref collector));
            Assert.Equal(0xDEADBEEF_0000_0007UL, collector.Last);
            Assert.Equal(0, collector.LastResult);
        }
    }

    [SkippableFact]
    public void Ten_thousand_completions_survive_a_cq_far_smaller_than_the_inflight_count()
    {
        Skip.IfNot(TestEngines.IoUringAvailable, "io_uring is unavailable on this machine");
        // 8 SQ entries, 16 CQ entries, 10,000 NOPs submitted before a single completion is reaped:
        // everything past 16 waits in the kernel's overflow list (NODROP) and must come back, once each.
        Assert.Equal(0, IoUring.TryCreate(8, 16, IoUringConstants.SetupSubmitAll, out IoUring? created));
        using IoUring ring = created!;
        {
            Assert.True((ring.Features & IoUringConstants.FeatNoDrop) != 0);
            const int total = 10_000;
            for (int i = 0; i < total; i++)
            {
                ref IoUringSqe sqe = ref ring.TryGetSqe();
                while (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref sqe))
                {
                    int rc = ring.SubmitAndWait(0);
                    Assert.True(rc >= 0 || rc == -Libc.EBUSY || rc == -Libc.EAGAIN, $"enter failed: {rc}");
                    sqe = ref ring.TryGetSqe();
                }

                Sqe.Nop(ref sqe, (ulong)i);
            }

            while (ring.PendingSubmissions > 0)
            {
                ring.SubmitAndWait(0);
            }

            Assert.True(ring.HasOverflowBacklog, "the test must actually overflow the CQ");
            var seen = new bool[total];
            var collector = new Collector { Seen = seen };
            int reaped = 0;
            while (reaped < total)
            {
                int n = ring.ReapCompletions(ref collector);
                reaped += n;
                if (n == 0)
                {
                    int rc = ring.SubmitAndWait(0); // flushes the overflow backlog into the CQ
                    Assert.True(rc >= 0 || rc == -Libc.EBUSY || rc == -Libc.EAGAIN, $"enter failed: {rc}");
                }
            }

            Assert.Equal(total, reaped);
            Assert.DoesNotContain(false, seen);
            Assert.Equal(0, collector.Duplicates);
            Assert.Equal(0u, ring.DroppedCompletions);
        }
    }

    [SkippableFact]
    public async Task Event_loop_completes_every_operation_when_completions_outrun_its_cq()
    {
        Skip.IfNot(TestEngines.IoUringAvailable, "io_uring is unavailable on this machine");
        var settings = new RingLoopSettings { SubmissionEntries = 8, CompletionEntries = 16 };
        using RingEventLoop loop = RingEventLoop.Start(0, settings, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        const int total = 10_000;
        var counter = new NopCounter(total);
        for (int i = 0; i < total; i++)
        {
            loop.Post(new CountingNop(counter), RingCommand.Submit);
        }

        await counter.Done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(total, counter.Completed);
        Assert.Equal(0, counter.Failures);
        Assert.Equal(0, Volatile.Read(ref loop.Statistics.StaleCompletions));
    }

    [SkippableFact]
    public void Probe_reports_what_this_kernel_offers()
    {
        Capabilities? capabilities = RingProbe.Probe(out string? reason);
        Skip.If(capabilities is null, $"io_uring unavailable: {reason}");
        Assert.True(capabilities!.NoDrop);
        Assert.True(capabilities.FixedBuffers);
        Version kernel = ParseKernel(capabilities.KernelRelease);
        if (kernel >= new Version(6, 0))
        {
            // Everything BypassNet uses exists from 6.0 on; a probe that misses one is wrong.
            Assert.True(capabilities.BufferRings, capabilities.ToString());
            Assert.True(capabilities.MultishotReceive, capabilities.ToString());
            Assert.True(capabilities.MultishotAccept, capabilities.ToString());
            Assert.True(capabilities.SendZeroCopy, capabilities.ToString());
        }
    }

    private static Version ParseKernel(string release)
    {
        string[] parts = release.Split('.', '-');
        return new Version(int.Parse(parts[0]), int.Parse(parts[1]));
    }

    private struct Collector : ICompletionHandler
    {
        public ulong Last;
        public int LastResult;
        public bool[]? Seen;
        public int Duplicates;

        public void OnCompletion(ulong userData, int result, uint flags)
        {
            Last = userData;
            LastResult = result;
            if (Seen is not null)
            {
                if (Seen[(int)userData])
                {
                    Duplicates++;
                }

                Seen[(int)userData] = true;
            }
        }
    }

    private sealed class NopCounter(int total)
    {
        public int Completed;
        public int Failures;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete(int result)
        {
            if (result != 0)
            {
                Interlocked.Increment(ref Failures);
            }

            if (Interlocked.Increment(ref Completed) == total)
            {
                Done.TrySetResult();
            }
        }
    }

    private sealed class CountingNop(NopCounter counter) : RingOperation
    {
        internal override void Prepare(ref IoUringSqe sqe, ulong userData) => Sqe.Nop(ref sqe, userData);

        internal override bool OnCompletion(RingEventLoop loop, int result, uint flags)
        {
            counter.Complete(result);
            return true;
        }
    }
}
