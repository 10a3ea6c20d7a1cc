using BypassNet.Buffers;

namespace BypassNet.Tests.Buffers;

/// <summary>The slab's pins (a ring, a pool, a registration) must never let its memory be freed while one is held.</summary>
public sealed class NativeSlabTests
{
    [Fact]
    public void Pins_taken_on_other_threads_keep_the_memory_after_dispose_until_the_last_unpin()
    {
        var slab = new NativeSlab(4096);
        // Pinned on three threads, one unpinned on yet another: pins need not be released where they were taken.
        RunOnNewThread(slab.Pin);
        RunOnNewThread(slab.Pin);
        RunOnNewThread(slab.Pin);
        RunOnNewThread(slab.Unpin);

        slab.Dispose();
        Assert.False(slab.IsFreed);
        RunOnNewThread(slab.Unpin);
        Assert.False(slab.IsFreed);
        slab.Unpin();
        Assert.True(slab.IsFreed);
    }

    [Fact]
    public void A_pin_after_the_memory_was_freed_throws()
    {
        var slab = new NativeSlab(4096);
        slab.Pin();
        slab.Unpin();
        slab.Dispose();
        Assert.True(slab.IsFreed);
        Assert.Throws<ObjectDisposedException>(slab.Pin);
    }

    [Fact]
    public void Pins_and_unpins_racing_the_dispose_never_free_early()
    {
        for (int round = 0; round < 20; round++)
        {
            var slab = new NativeSlab(4096);
            slab.Pin(); // held across the whole race
            using var go = new ManualResetEventSlim();
            var threads = new Thread[4];
            for (int t = 0; t < threads.Length; t++)
            {
                threads[t] = new Thread(() =>
                {
                    go.Wait();
                    for (int i = 0; i < 2000; i++)
                    {
                        slab.Pin();
                        slab.Unpin();
                    }
                });
                threads[t].Start();
            }

            go.Set();
            slab.Dispose();
            foreach (Thread thread in threads)
            {
                thread.Join();
            }

            Assert.False(slab.IsFreed);
            slab.Unpin();
            Assert.True(slab.IsFreed);
        }
    }

    private static void RunOnNewThread(Action action)
    {
        var thread = new Thread(() => action());
        thread.Start();
        thread.Join();
    }
}
