using BypassNet.Interop;
using BypassNet.Ring;

namespace BypassNet.Tests.Ring;

public sealed class OperationTableTests
{
    [Fact]
    public void A_late_completion_for_a_reused_slot_finds_nothing()
    {
        var table = new OperationTable(1);
        var first = new Dummy();
        ulong stale = table.Add(first);
        table.Remove(first);

        var second = new Dummy();
        ulong current = table.Add(second);
        Assert.Equal((uint)stale, (uint)current); // same slot...
        Assert.NotEqual(stale, current);           // ...another generation
        Assert.Null(table.Find(stale));
        Assert.Same(second, table.Find(current));
    }

    [Fact]
    public void The_table_grows_and_keeps_every_operation_findable()
    {
        var table = new OperationTable(2);
        var operations = Enumerable.Range(0, 100).Select(_ => new Dummy()).ToList();
        var keys = operations.Select(table.Add).ToList();
        Assert.Equal(100, table.InFlight);
        for (int i = 0; i < operations.Count; i++)
        {
            Assert.Same(operations[i], table.Find(keys[i]));
        }

        Assert.Throws<InvalidOperationException>(() => table.Add(operations[0]));
        operations.ForEach(table.Remove);
        Assert.Equal(0, table.InFlight);
        Assert.All(keys, k => Assert.Null(table.Find(k)));
        Assert.Null(table.Find(ulong.MaxValue >> 1));
    }

    private sealed class Dummy : RingOperation
    {
        internal override void Prepare(ref IoUringSqe sqe, ulong userData)
        {
        }

        internal override bool OnCompletion(RingEventLoop loop, int result, uint flags) => true;
    }
}
