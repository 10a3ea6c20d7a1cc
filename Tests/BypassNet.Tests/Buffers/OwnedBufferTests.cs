using System.Buffers;
using System.Runtime.InteropServices;

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
        Assert.False(pool.TryRent(out OwnedBuffer none));
        // Nothing rented: the out value is default(OwnedBuffer), which is no lease and says so.
        Assert.False(none.IsOwned);
        Assert.Throws<InvalidOperationException>(() => none.Span.Length);
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
    public async Task Leased_memory_outlives_the_pool_that_lent_it()
    {
        var pool = new BufferPool(4096, 1);
        OwnedBuffer buffer = pool.Rent();
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
        // The slab is freed only when the last lease returns: writing here must be safe.
        buffer.Span.Fill(7);
        Assert.Equal(7, buffer.Span[^1]);
        Assert.False(pool.SlabFreed);
        // The last lease back (from another thread) releases the pool's hold on the memory.
        await Task.Run(() => buffer.Dispose());
        Assert.True(pool.SlabFreed);
    }

    [Fact]
    public void A_pool_disposed_with_nothing_leased_frees_its_memory_at_once()
    {
        var pool = new BufferPool(4096, 2);
        pool.Rent().Dispose();
        Assert.False(pool.SlabFreed);
        pool.Dispose();
        Assert.True(pool.SlabFreed);
        pool.Dispose();
        Assert.True(pool.SlabFreed);
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

#pragma warning disable BYP001, BYP003, BYP004 // Deliberate misuse: these tests prove the run-time checks that back the analyzers.
    [Fact]
    public void A_stale_copy_after_dispose_and_a_new_lease_of_the_slot_throws_and_sees_nothing()
    {
        using var pool = new BufferPool(4096, 1);
        OwnedBuffer first = pool.Rent();
        first.Span.Fill(0x11);
        OwnedBuffer copy = first; // a copy is an alias of the same lease
        first.Dispose();
        Assert.False(copy.IsOwned);

        using OwnedBuffer second = pool.Rent();
        second.Span.Fill(0x5A);
        second.Length = 7;
        // The same slot (one buffer in the pool) is leased again; the stale copy reaches none of it.
        Assert.Throws<ObjectDisposedException>(() => copy.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => copy.Length);
        Assert.Throws<ObjectDisposedException>(() => copy.Length = 1);
        Assert.Throws<ObjectDisposedException>(() => copy.Memory);
        Assert.Throws<ObjectDisposedException>(() => copy.Pin());
        Assert.False(copy.IsOwned);
        Assert.False(copy.IsPinned);

        // Disposing or unpinning through the stale copy does not end or disturb the new lease.
        copy.Unpin();
        copy.Dispose();
        Assert.True(second.IsOwned);
        Assert.Equal(7, second.Length);
        Assert.All(second.Span.ToArray(), b => Assert.Equal(0x5A, b));
        Assert.Equal(0, pool.Available);
    }

    [Fact]
    public void A_copy_is_an_alias_disposing_either_ends_the_lease_for_both()
    {
        using var pool = new BufferPool(4096, 1);
        OwnedBuffer buffer = pool.Rent();
        OwnedBuffer copy = buffer;
        copy.Dispose();
        Assert.False(buffer.IsOwned);
        Assert.Throws<ObjectDisposedException>(() => buffer.Span.Length);
        Assert.Equal(1, pool.Available);
        buffer.Dispose(); // the lease already ended: nothing is returned twice
        Assert.Equal(1, pool.Available);
    }

    [Fact]
    public void A_Memory_taken_in_one_lease_throws_in_the_next_lease_of_the_same_slot()
    {
        using var pool = new BufferPool(4096, 1);
        OwnedBuffer first = pool.Rent();
        Memory<byte> stale = first.Memory;
        Assert.True(MemoryMarshal.TryGetMemoryManager<byte, MemoryManager<byte>>(stale, out MemoryManager<byte>? staleManager));
        first.Dispose();

        using OwnedBuffer second = pool.Rent();
        second.Span.Fill(0x5A);
        Memory<byte> current = second.Memory;
        Assert.Throws<ObjectDisposedException>(() => stale.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => stale.Pin());
        // An extra unpin through the old lease's manager does not release a pin of the new lease.
        using (MemoryHandle pin = current.Pin())
        {
            staleManager!.Unpin();
            Assert.True(second.IsPinned);
        }

        Assert.False(second.IsPinned);
        Assert.Equal(0x5A, current.Span[0]);
    }

    [Fact]
    public void Repeated_Memory_in_one_lease_reuses_its_view()
    {
        using var pool = new BufferPool(4096, 1);
        using OwnedBuffer buffer = pool.Rent();
        Assert.True(MemoryMarshal.TryGetMemoryManager<byte, MemoryManager<byte>>(buffer.Memory, out MemoryManager<byte>? a));
        Assert.True(MemoryMarshal.TryGetMemoryManager<byte, MemoryManager<byte>>(buffer.Memory, out MemoryManager<byte>? b));
        Assert.Same(a, b);
    }

    [Fact]
    public void Default_is_no_lease_and_says_so()
    {
        OwnedBuffer none = default;
        Assert.False(none.IsOwned);
        Assert.False(none.IsPinned);
        Assert.Contains("default", Assert.Throws<InvalidOperationException>(() => none.Span.Length).Message);
        Assert.Throws<InvalidOperationException>(() => none.Length);
        Assert.Throws<InvalidOperationException>(() => none.Length = 0);
        Assert.Throws<InvalidOperationException>(() => none.Capacity);
        Assert.Throws<InvalidOperationException>(() => none.Memory);
        Assert.Throws<InvalidOperationException>(() => none.Pin());
        Assert.Throws<InvalidOperationException>(() => none.HandOff());
        // Nothing to give back: disposing it is harmless, like disposing a null reference through ?.
        none.Dispose();
    }
#pragma warning restore BYP001, BYP003, BYP004

    [Fact]
    public async Task Renting_and_disposing_in_steady_state_allocates_nothing()
    {
        using var pool = new BufferPool(4096, 4);
        // Warm up: every slot's core is made on its first lease, and the JIT has run.
        for (int i = 0; i < 16; i++)
        {
            pool.Rent().Dispose();
            Assert.True(pool.TryRent(out OwnedBuffer warm));
            warm.Dispose();
            (await pool.RentAsync()).Dispose();
        }

        const int Cycles = 10_000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Cycles; i++)
        {
            OwnedBuffer a = pool.Rent();
            a.Span[0] = (byte)i;
            a.Length = 1;
            a.Dispose();
            if (pool.TryRent(out OwnedBuffer b))
            {
                b.Dispose();
            }

            // Completes synchronously while buffers are free: no await machinery, no allocation.
            ValueTask<OwnedBuffer> rent = pool.RentAsync();
            Assert.True(rent.IsCompletedSuccessfully);
            (await rent).Dispose();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }
}
