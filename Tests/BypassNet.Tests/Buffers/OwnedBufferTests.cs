namespace BypassNet.Tests.Buffers;

#pragma warning disable BYP001, BYP003, BYP004 // Deliberate misuse: these tests prove the run-time checks (ObjectDisposedException, cancellation) that back the analyzers.
public sealed class OwnedBufferTests
{
    [Fact]
    public void A_disposed_handle_throws_on_every_access()
    {
        using var pool = new BufferPool(4096, 2);
        OwnedBuffer buffer = pool.Rent();
        Memory<byte> earlier = buffer.Memory;
        buffer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => buffer.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => buffer.Memory);
        Assert.Throws<ObjectDisposedException>(() => buffer.Length);
        Assert.Throws<ObjectDisposedException>(() => buffer.Length = 1);
        // A Memory taken while the buffer was owned stops working too.
        Assert.Throws<ObjectDisposedException>(() => earlier.Span.Length);
        Assert.False(buffer.IsOwned);
        buffer.Dispose(); // idempotent
    }
#pragma warning restore BYP001, BYP003, BYP004

#pragma warning disable BYP001, BYP003, BYP004 // Deliberate misuse: these tests prove the run-time checks (ObjectDisposedException, cancellation) that back the analyzers.
    [Fact]
    public void A_stale_handle_never_reaches_the_next_lease_of_the_same_slot()
    {
        using var pool = new BufferPool(4096, 1);
        OwnedBuffer first = pool.Rent();
        Memory<byte> stale = first.Memory;
        first.Dispose();
        using OwnedBuffer second = pool.Rent();
        second.Span.Fill(0x5A);
        // Same memory slot, new lease: the old handle and its Memory must fail rather than read or write it.
        Assert.Throws<ObjectDisposedException>(() => first.Span[0]);
        Assert.Throws<ObjectDisposedException>(() => stale.Span[0] = 1);
        Assert.All(second.Span.ToArray(), b => Assert.Equal(0x5A, b));
    }
#pragma warning restore BYP001, BYP003, BYP004

    [Fact]
    public unsafe void Pool_buffers_are_page_aligned_and_sized_in_pages()
    {
        int page = Environment.SystemPageSize;
        using var pool = new BufferPool(1000, 4);
        Assert.Equal(page, pool.BufferSize);
        var leases = new List<OwnedBuffer>();
        for (int i = 0; i < 4; i++)
        {
            OwnedBuffer buffer = pool.Rent();
            using var pin = buffer.Pin();
            Assert.Equal(0, (long)pin.Pointer % page);
            Assert.Equal(page, buffer.Capacity);
            Assert.Equal(buffer.Capacity, buffer.Length);
            leases.Add(buffer);
        }

        leases.ForEach(b => b.Dispose());
    }

#pragma warning disable BYP001, BYP003, BYP004 // Deliberate misuse: these tests prove the run-time checks (ObjectDisposedException, cancellation) that back the analyzers.
    [Fact]
    public async Task Exhaustion_is_backpressure_not_a_crash()
    {
        using var pool = new BufferPool(4096, 2);
        OwnedBuffer a = pool.Rent();
        OwnedBuffer b = pool.Rent();
        Assert.Equal(0, pool.Available);
        Assert.False(pool.TryRent(out OwnedBuffer? none));
        Assert.Null(none);
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => pool.Rent());
        Assert.Contains("exhausted", error.Message);

        ValueTask<OwnedBuffer> waiting = pool.RentAsync();
        Assert.False(waiting.IsCompleted);
        a.Dispose();
        using OwnedBuffer c = await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(c.IsOwned);

        using var cts = new CancellationTokenSource();
        ValueTask<OwnedBuffer> canceled = pool.RentAsync(cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await canceled);
        b.Dispose();
        // The canceled waiter did not swallow the returned buffer.
        Assert.Equal(1, pool.Available);
    }
#pragma warning restore BYP001, BYP003, BYP004

    [Fact]
    public void Leased_memory_outlives_the_pool_that_lent_it()
    {
        var pool = new BufferPool(4096, 1);
        OwnedBuffer buffer = pool.Rent();
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        // The slab is freed only when the last lease returns: writing here must be safe.
        buffer.Span.Fill(7);
        Assert.Equal(7, buffer.Span[^1]);
        buffer.Dispose();
    }

    [Fact]
    public void Length_is_bounded_by_capacity()
    {
        using var pool = new BufferPool(4096, 1);
        using OwnedBuffer buffer = pool.Rent();
        buffer.Length = 10;
        Assert.Equal(10, buffer.Span.Length);
        Assert.Equal(10, buffer.Memory.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Length = buffer.Capacity + 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Length = -1);
    }
}
