using System.Buffers;
using System.Net.Sockets;
using BypassNet.FaultTests.Support;

namespace BypassNet.FaultTests;

#pragma warning disable BYP001 // Deliberate: a disposed handle is touched to prove the run-time check and the deferred return.

/// <summary>
/// <see cref="OwnedBuffer.Pin"/> holds the lease: memory pinned for an I/O stays the buffer's until the pin is
/// released, even when the buffer is disposed meanwhile, so the next renter never gets memory an I/O still uses.
/// </summary>
public sealed class PinnedBufferTests
{
    [Fact]
    public void A_buffer_disposed_while_pinned_goes_back_to_the_pool_only_at_unpin()
    {
        using var pool = new BufferPool(4096, 1);
        OwnedBuffer buffer = pool.Rent();
        MemoryHandle pin = buffer.Memory.Pin();
        buffer.Dispose();

        // Ownership ended at once (the handle is stale) but the memory is still held by the pin.
        Assert.Throws<ObjectDisposedException>(() => buffer.Span.Length);
        Assert.Equal(0, pool.Available);
        Assert.False(pool.TryRent(out OwnedBuffer early));
        Assert.False(early.IsOwned);

        pin.Dispose();
        Assert.Equal(1, pool.Available);
        Assert.True(pool.TryRent(out OwnedBuffer again));
        again.Dispose();
    }

    [Fact]
    public void Every_pin_must_be_released_and_extra_unpins_do_nothing()
    {
        using var pool = new BufferPool(4096, 1);
        OwnedBuffer buffer = pool.Rent();
        MemoryHandle first = buffer.Pin();
        MemoryHandle second = buffer.Pin(16);
        Assert.True(buffer.IsPinned);
        buffer.Dispose();
        first.Dispose();
        Assert.Equal(0, pool.Available);
        second.Dispose();
        Assert.Equal(1, pool.Available);

        // A stray Unpin after the last one must not return the slot a second time.
        buffer.Unpin();
        Assert.Equal(1, pool.Available);
        Assert.Throws<ObjectDisposedException>(() => buffer.Pin());
    }

    [Fact]
    public void A_pinned_buffer_cannot_be_handed_off_and_an_unpinned_one_can()
    {
        using var pool = new BufferPool(4096, 1);
        OwnedBuffer buffer = pool.Rent();
        using (buffer.Pin())
        {
            Assert.Throws<InvalidOperationException>(() => buffer.HandOff());
            Assert.True(buffer.IsOwned);
        }

        buffer.HandOff().Release();
        Assert.Equal(1, pool.Available);
    }

    [SkippableFact]
    public async Task A_pinned_buffer_disposed_mid_send_is_not_handed_to_the_next_renter_until_the_kernel_is_done()
    {
        // io_uring pins caller memory for the whole send (the kernel reads it asynchronously).
        Skip.IfNot(Faults.IoUringAvailable, "io_uring is unavailable on this machine");
        using BypassRuntime runtime = Faults.Create(EngineKind.IoUring, o =>
        {
            o.SendBufferCount = 1;
            o.SendBufferSize = 64 * 1024;
        });
        using BypassSocket listener = Faults.Listen(runtime);
        (BypassSocket client, BypassSocket server) = await Faults.ConnectPairAsync(runtime, listener);
        await using (client)
        await using (server)
        {
            // Fill the path to the stalled reader (more than loopback's socket buffers hold) so the next send stays in flight.
            byte[] filler = new byte[32 * 1024 * 1024];
            Task<int> blocked = client.SendAsync(filler.AsMemory(), SocketFlags.None).AsTask();

            OwnedBuffer buffer = runtime.Buffers.Rent();
            var pattern = new StreamPattern(11);
            pattern.Fill(buffer.Span);
            Task<int> pinnedSend = client.SendAsync(buffer.Memory, SocketFlags.None).AsTask();
            buffer.Dispose();

            // The send holds the pin: the only pool buffer is not available to anyone else.
            Assert.False(pinnedSend.IsCompleted);
            Assert.False(runtime.Buffers.TryRent(out OwnedBuffer stolen));
            Assert.False(stolen.IsOwned);

            byte[] received = await Faults.ReceiveExactlyAsync(server, filler.Length + 64 * 1024).WaitAsync(Faults.Guard);
            Assert.Equal(filler.Length, await blocked.WaitAsync(Faults.Guard));
            Assert.Equal(64 * 1024, await pinnedSend.WaitAsync(Faults.Guard));
            new StreamPattern(11).Verify(received.AsSpan(filler.Length));
        }

        // Unpinned when the send completed: the buffer is home.
        await Faults.AssertEverythingHomeAsync(runtime);
    }
}
