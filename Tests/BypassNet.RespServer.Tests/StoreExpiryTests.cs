using BypassNet.Samples.Resp;

namespace BypassNet.RespServer.Tests;

/// <summary>The store's expiry on a clock the test moves, so the boundary millisecond is hit exactly.</summary>
public sealed class StoreExpiryTests
{
    [Fact]
    public void A_key_is_there_at_its_deadline_and_gone_the_millisecond_after()
    {
        long now = 1_000;
        using var store = new KeyValueStore(() => now);
        Assert.True(store.Set("k"u8, "v"u8, expiresAt: now + 150, SetCondition.Always));

        now += 150;
        // As in redis, a key expires only once the clock is past its deadline: with whole milliseconds, "at" the
        // deadline may still be up to a millisecond before it.
        Assert.Equal(0, store.TimeToLive("k"u8));

        now += 1;
        Assert.Equal(-2, store.TimeToLive("k"u8));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void Expire_with_a_deadline_that_is_not_in_the_future_deletes_the_key_at_once()
    {
        long now = 1_000;
        using var store = new KeyValueStore(() => now);
        Assert.True(store.Set("k"u8, "v"u8, expiresAt: 0, SetCondition.Always));

        // As redis's EXPIRE with a time already reached: answered 1 (the key existed) and deleted.
        Assert.True(store.Expire("k"u8, now));
        Assert.Equal(-2, store.TimeToLive("k"u8));
    }

    [Fact]
    public void The_clock_is_read_only_for_keys_that_have_an_expiry()
    {
        long now = 1_000;
        int reads = 0;
        using var store = new KeyValueStore(() =>
        {
            reads++;
            return now;
        });

        // Keys without an expiry are the common case: the hot path (a GET or SET of one) must not pay for a clock read.
        Assert.True(store.Set("plain"u8, "v"u8, expiresAt: 0, SetCondition.Always));
        Assert.True(store.Set("plain"u8, "w"u8, expiresAt: 0, SetCondition.IfPresent));
        Assert.Equal(-1, store.TimeToLive("plain"u8));
        Assert.Equal(-2, store.TimeToLive("absent"u8));
        Assert.Equal(0, reads);

        Assert.True(store.Set("timed"u8, "v"u8, expiresAt: now + 10, SetCondition.Always));
        Assert.Equal(10, store.TimeToLive("timed"u8));
        Assert.Equal(1, reads);
    }

    [Fact]
    public async Task Keys_nobody_reads_again_are_swept_and_the_sweep_stops_when_none_have_an_expiry()
    {
        long now = 1_000;
        using var store = new KeyValueStore(() => Volatile.Read(ref now));

        // Without expiring keys the timer is off: an idle store wakes no thread.
        Assert.True(store.Set("plain"u8, "v"u8, expiresAt: 0, SetCondition.Always));
        Assert.False(store.Sweeping);

        for (int round = 0; round < 2; round++)
        {
            // The second round re-arms a sweep that stopped.
            Assert.True(store.Set("timed"u8, "v"u8, expiresAt: Volatile.Read(ref now) + 10, SetCondition.Always));
            Assert.True(store.Sweeping);
            Interlocked.Add(ref now, 11);

            // Nothing reads "timed" again: only the sweep can remove it, and with nothing left to expire it stops.
            await WaitUntilAsync(() => store.Count == 1 && !store.Sweeping);
            Assert.Equal(-1, store.TimeToLive("plain"u8));
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
