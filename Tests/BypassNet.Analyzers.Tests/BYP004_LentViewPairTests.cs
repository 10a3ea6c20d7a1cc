using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// A view passed to a call whose task goes into a local, not awaited at once, is in use until that task is waited
/// for: disposing or handing off its owner before then is reported at the view. Each bug is paired with its
/// corrected twin, which waits first.
/// </summary>
public sealed class BYP004_LentViewPairTests
{
    private const string Counter = """
        private static async Task<int> CountAsync(ReadOnlyMemory<byte> data)
        {
            await Task.Yield();
            return data.Span.IndexOf((byte)'\n');
        }

        """;

    [Theory]
    [InlineData("a copying send still running when its buffer is disposed", """
        async Task M()
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            ValueTask<int> sending = sock.SendAsync({|BYP004:buf.Memory|}, System.Net.Sockets.SocketFlags.None);
            buf.Dispose();
            await sending;
        }
        """, """
        async Task M()
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            ValueTask<int> sending = sock.SendAsync(buf.Memory, System.Net.Sockets.SocketFlags.None);
            await sending;
            buf.Dispose();
        }
        """)]
    [InlineData("a helper still reading when the buffer is handed off", """
        async Task<int> M(BypassSocket to)
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            Task<int> counting = CountAsync({|BYP004:buf.Memory[4..]|});
            await to.SendAsync(buf);
            return await counting;
        }
        """, """
        async Task<int> M(BypassSocket to)
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            Task<int> counting = CountAsync(buf.Memory[4..]);
            int found = await counting.ConfigureAwait(false);
            await to.SendAsync(buf);
            return found;
        }
        """)]
    [InlineData("a using that ends before the task is waited for", """
        async Task<int> M()
        {
            Task<int> counting;
            using (OwnedBuffer buf = await sock.ReceiveAsync())
            {
                counting = CountAsync({|BYP004:buf.Memory|});
            }

            return await counting;
        }
        """, """
        async Task<int> M()
        {
            using OwnedBuffer buf = await sock.ReceiveAsync();
            Task<int> counting = CountAsync(buf.Memory);
            return await counting;
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyPairAsync(Counter + bug, Counter + fix);
    }

    [Theory]
    [InlineData("two tasks waited for together", """
        async Task M(BypassSocket to)
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            Task<int> a = CountAsync(buf.Memory);
            Task<int> b = CountAsync(buf.Memory[1..]);
            await Task.WhenAll(a, b);
            await to.SendAsync(buf);
        }
        """)]
    [InlineData("a blocking wait", """
        void M(BypassSocket to)
        {
            OwnedBuffer buf = pool.Rent();
            Task<int> counting = CountAsync(buf.Memory);
            int found = counting.GetAwaiter().GetResult();
            buf.Dispose();
        }
        """)]
    [InlineData("awaited at once", """
        async Task M(BypassSocket to)
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            await sock.SendAsync(buf.Memory, System.Net.Sockets.SocketFlags.None);
            await to.SendAsync(buf);
        }
        """)]
    public async Task Correct_use_is_silent(string name, string code)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyMembersAsync(Counter + code);
    }
}
