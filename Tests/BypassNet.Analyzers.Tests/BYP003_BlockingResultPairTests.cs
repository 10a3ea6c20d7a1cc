using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// The blocking forms of an await (`task.Result`, `task.GetAwaiter().GetResult()`, as legacy thread-per-connection
/// code writes them) acquire like the await, and so does an await through the task's adapters (`AsTask()`,
/// `WaitAsync(timeout)`, `ConfigureAwait`). A task that came in as a parameter (a continuation's `t`) is not: it can
/// be read any number of times, and whoever started it releases its value. Each bug is paired with its corrected twin.
/// </summary>
public sealed class BYP003_BlockingResultPairTests
{
    [Theory]
    [InlineData("a blocking GetResult whose buffer is only measured", """
        int M()
        {
            OwnedBuffer buf = {|BYP003:sock.ReceiveAsync().AsTask().GetAwaiter().GetResult()|};
            return buf.Length;
        }
        """, """
        int M()
        {
            using OwnedBuffer buf = sock.ReceiveAsync().AsTask().GetAwaiter().GetResult();
            return buf.Length;
        }
        """)]
    [InlineData("a blocking Result whose buffer is only measured", """
        int M()
        {
            OwnedBuffer buf = {|BYP003:sock.ReceiveAsync().AsTask().Result|};
            return buf.Length;
        }
        """, """
        void M()
        {
            OwnedBuffer buf = sock.ReceiveAsync().AsTask().Result;
            sock.SendAsync(buf).AsTask().GetAwaiter().GetResult();
        }
        """)]
    [InlineData("the Result of a pending receive read on the fast path", """
        int M()
        {
            ValueTask<OwnedBuffer> pending = sock.ReceiveAsync();
            if (!pending.IsCompletedSuccessfully)
            {
                pending.AsTask().Wait();
                return -1;
            }

            OwnedBuffer buf = {|BYP003:pending.Result|};
            return buf.Length;
        }
        """, """
        async Task<int> M()
        {
            ValueTask<OwnedBuffer> pending = sock.ReceiveAsync();
            using OwnedBuffer buf = pending.IsCompletedSuccessfully ? pending.Result : await pending;
            return buf.Length;
        }
        """)]
    [InlineData("a receive with a timeout whose buffer is dropped", """
        async Task<int> M(CancellationToken ct)
        {
            OwnedBuffer buf = {|BYP003:await sock.ReceiveAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct)|};
            return buf.Length;
        }
        """, """
        async Task<int> M(CancellationToken ct)
        {
            using OwnedBuffer buf = await sock.ReceiveAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
            return buf.Length;
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyPairAsync(bug, fix);
    }

    [Theory]
    [InlineData("a continuation reads its task's Result twice and disposes it", """
        void M()
        {
            _ = sock.ReceiveAsync().AsTask().ContinueWith(static done =>
            {
                if (done.IsCompletedSuccessfully && done.Result.Length >= 0)
                {
                    done.Result.Dispose();
                }
            }, TaskScheduler.Default);
        }
        """)]
    [InlineData("a blocking read through ConfigureAwait, sent on", """
        void M()
        {
            OwnedBuffer buf = sock.ReceiveAsync().ConfigureAwait(false).GetAwaiter().GetResult();
            sock.SendAsync(buf).AsTask().Wait();
        }
        """)]
    public async Task Correct_use_is_silent(string name, string code)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyMembersAsync(code);
        await AnalyzerVerifier.VerifyStructMembersAsync(code);
    }
}
