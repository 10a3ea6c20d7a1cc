using BypassNet.Interop;
using BypassNet.Ring;
using BypassNet.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace BypassNet.Tests.Ring;

/// <summary>A completion handler that throws faults its own awaiter (not only a log line) and leaves the ring running.</summary>
public sealed class CompletionHandlerFaultTests
{
    [SkippableFact]
    public async Task A_throwing_completion_handler_faults_its_awaiter_and_the_ring_keeps_completing_others()
    {
        Skip.IfNot(TestEngines.IoUringAvailable, "io_uring is unavailable on this machine");
        using RingEventLoop loop = RingEventLoop.Start(0, new RingLoopSettings { SubmissionEntries = 8 }, NullLogger.Instance);
        var broken = new NopOperation(throwOnCompletion: true);
        var healthy = new NopOperation(throwOnCompletion: false);

        loop.Post(broken, RingCommand.Submit);
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => broken.Done.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("handler bug", error.Message);

        loop.Post(healthy, RingCommand.Submit);
        await healthy.Done.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Null(loop.Failure);
        Assert.False(loop.IsStopping);
    }

    private sealed class NopOperation : RingOperation
    {
        private readonly bool _throw;
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public NopOperation(bool throwOnCompletion) => _throw = throwOnCompletion;

        public Task Done => _done.Task;

        internal override void Prepare(ref IoUringSqe sqe, ulong userData) => Sqe.Nop(ref sqe, userData);

        internal override bool OnCompletion(RingEventLoop loop, int result, uint flags)
        {
            if (_throw)
            {
                throw new InvalidOperationException("handler bug");
            }

            _done.TrySetResult();
            return true;
        }

        internal override void OnFault(RingEventLoop loop, Exception error) => _done.TrySetException(error);
    }
}
