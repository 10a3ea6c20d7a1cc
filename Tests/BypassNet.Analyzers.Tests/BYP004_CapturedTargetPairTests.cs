using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// An assignment whose value branches (`line = buf.Memory[..(found ? end : buf.Length)]`) makes the control-flow
/// graph capture its target before the branch; the view still goes to that variable, so a read of it after the owner
/// is disposed is reported like any other. Each bug is paired with its corrected twin.
/// </summary>
public sealed class BYP004_CapturedTargetPairTests
{
    [Theory]
    [InlineData("a slice with a conditional end, kept past a using block", """
        int M(bool found, int end)
        {
            ReadOnlyMemory<byte> line;
            using (OwnedBuffer buf = pool.Rent())
            {
                line = buf.Memory[..(found ? end : 4)];
            }

            return {|BYP004:line|}.Length;
        }
        """, """
        int M(bool found, int end)
        {
            ReadOnlyMemory<byte> line;
            using (OwnedBuffer buf = pool.Rent())
            {
                line = buf.Memory[..(found ? end : 4)].ToArray();
            }

            return line.Length;
        }
        """)]
    [InlineData("a slice with a conditional end, read after the owner was sent", """
        async Task<int> M(bool found, int end)
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            ReadOnlyMemory<byte> head;
            head = buf.Memory.Slice(0, found ? end : 4);
            await sock.SendAsync(buf);
            return {|BYP004:head|}.Length;
        }
        """, """
        async Task<int> M(bool found, int end)
        {
            OwnedBuffer buf = await sock.ReceiveAsync();
            ReadOnlyMemory<byte> head;
            head = buf.Memory.Slice(0, found ? end : 4);
            int length = head.Length;
            await sock.SendAsync(buf);
            return length;
        }
        """)]
    public async Task Bug_is_reported_and_its_twin_is_silent(string name, string bug, string fix)
    {
        Assert.NotNull(name);
        await AnalyzerVerifier.VerifyStructPairAsync(bug, fix);
    }
}
