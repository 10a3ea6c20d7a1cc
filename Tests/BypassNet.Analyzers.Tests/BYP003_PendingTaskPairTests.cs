using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// A task of an owned value kept in a local (`var pending = sock.ReceiveAsync();`, `.AsTask()` of one) owns what it
/// will complete with until it is awaited, returned, stored or handed to a call. One that is never awaited on some
/// path leaks that buffer: the classic is a receive raced against a timeout with Task.WhenAny and abandoned when the
/// timeout wins. Looking at the task (IsCompleted, a comparison, WhenAny/WhenAll over it) does not release it. Each
/// bug is paired with its corrected twin.
/// </summary>
public sealed class BYP003_PendingTaskPairTests
{
    [Theory]
    [InlineData("a receive abandoned when the timeout wins", """
        async Task<int> M(CancellationToken ct)
        {
            Task<OwnedBuffer> receiving = {|BYP003:sock.ReceiveAsync(ct).AsTask()|};
            if (await Task.WhenAny(receiving, Task.Delay(1000, ct)) != receiving)
            {
                return -1;
            }

            using var buf = await receiving;
            return buf.Length;
        }
        """, """
        async Task<int> M(CancellationToken ct)
        {
            Task<OwnedBuffer> receiving = sock.ReceiveAsync(ct).AsTask();
            if (await Task.WhenAny(receiving, Task.Delay(1000, ct)) != receiving)
            {
                // The receive still completes later: whoever gets its buffer must give it back.
                _ = receiving.ContinueWith(static done => { if (done.IsCompletedSuccessfully) done.Result.Dispose(); }, TaskScheduler.Default);
                return -1;
            }

            using var buf = await receiving;
            return buf.Length;
        }
        """)]
    [InlineData("a receive started early and left behind by an early return", """
        async Task<int> M(bool skip, CancellationToken ct)
        {
            ValueTask<OwnedBuffer> pending = {|BYP003:sock.ReceiveAsync(ct)|};
            if (skip)
            {
                return 0;
            }

            using var buf = await pending;
            return buf.Length;
        }
        """, """
        async Task<int> M(bool skip, CancellationToken ct)
        {
            ValueTask<OwnedBuffer> pending = sock.ReceiveAsync(ct);
            using var buf = await pending;
            return skip ? 0 : buf.Length;
        }
        """)]
    [InlineData("a pending receive overwritten by the next one", """
        async Task<int> M()
        {
            ValueTask<OwnedBuffer> pending = {|BYP003:sock.ReceiveAsync()|};
            pending = sock.ReceiveAsync();
            using var buf = await pending;
            return buf.Length;
        }
        """, """
        async Task<int> M()
        {
            ValueTask<OwnedBuffer> pending = sock.ReceiveAsync();
            using (var first = await pending)
            {
            }

            pending = sock.ReceiveAsync();
            using var buf = await pending;
            return buf.Length;
        }
        """)]
    [InlineData("two receives awaited together and never read", """
        async Task M(BypassSocket other)
        {
            Task<OwnedBuffer> a = {|BYP003:sock.ReceiveAsync().AsTask()|};
            Task<OwnedBuffer> b = {|BYP003:other.ReceiveAsync().AsTask()|};
            await Task.WhenAll(a, b);
        }
        """, """
        async Task<int> M(BypassSocket other)
        {
            Task<OwnedBuffer> a = sock.ReceiveAsync().AsTask();
            Task<OwnedBuffer> b = other.ReceiveAsync().AsTask();
            await Task.WhenAll(a, b);
            using var first = await a;
            using var second = await b;
            return first.Length + second.Length;
        }
        """)]
    [InlineData("a rent checked for completion and dropped", """
        async Task<int> M()
        {
            ValueTask<OwnedBuffer> renting = {|BYP003:pool.RentAsync()|};
            if (!renting.IsCompleted)
            {
                return -1;
            }

            using var buf = await renting;
            return buf.Capacity;
        }
        """, """
        async Task<int> M()
        {
            ValueTask<OwnedBuffer> renting = pool.RentAsync();
            if (!renting.IsCompleted)
            {
                return await WaitAsync(renting);
            }

            using var buf = await renting;
            return buf.Capacity;
        }

        static async Task<int> WaitAsync(ValueTask<OwnedBuffer> renting)
        {
            using var buf = await renting;
            return buf.Capacity;
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyPairAsync(bug, fix);
    }

    [Theory]
    [InlineData("returned to the caller", """
        ValueTask<OwnedBuffer> M()
        {
            ValueTask<OwnedBuffer> pending = sock.ReceiveAsync();
            return pending;
        }
        """)]
    [InlineData("stored in a field", """
        private Task<OwnedBuffer>? _next;

        void M() 
        {
            Task<OwnedBuffer> next = sock.ReceiveAsync().AsTask();
            _next = next;
        }
        """)]
    [InlineData("captured by a continuation that disposes the result", """
        void M()
        {
            var pending = sock.ReceiveAsync().AsTask();
            _ = Task.Run(async () => { using var buf = await pending; });
        }
        """)]
    [InlineData("awaited with ConfigureAwait", """
        async Task<int> M()
        {
            var pending = sock.ReceiveAsync();
            using var buf = await pending.ConfigureAwait(false);
            return buf.Length;
        }
        """)]
    [InlineData("handed to a helper that awaits it", """
        async Task<int> M()
        {
            var pending = sock.ReceiveAsync();
            return await LengthAsync(pending);
        }

        static async Task<int> LengthAsync(ValueTask<OwnedBuffer> task)
        {
            using var buf = await task;
            return buf.Length;
        }
        """)]
    [InlineData("awaited in a loop, the next one started before the send", """
        async Task M()
        {
            ValueTask<OwnedBuffer> pending = sock.ReceiveAsync();
            while (true)
            {
                OwnedBuffer buf = await pending;
                if (buf.Length == 0)
                {
                    buf.Dispose();
                    return;
                }

                pending = sock.ReceiveAsync();
                await sock.SendAsync(buf);
            }
        }
        """)]
    public async Task Correct_use_is_silent(string name, string code)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyMembersAsync(code);
        await AnalyzerVerifier.VerifyStructMembersAsync(code);
    }
}
