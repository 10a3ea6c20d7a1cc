using System.Diagnostics;

namespace BypassNet.Samples.Resp;

/// <summary>
/// The keyspace: byte-string keys to byte-string values with optional expiry. One lock guards it (connections on
/// different rings, or on the thread pool with the socket engine, share it); every operation holds it for a lookup
/// and a small copy, never across an await. Keys expire lazily on access, and a timer sweeps a bounded number of
/// keys with an expiry every 100 ms so that keys nobody reads again still go away. The timer runs only while some key
/// has an expiry: each tick wakes a pool thread, which then spins for more work, and a store without expiring keys
/// (most caches under a benchmark) should cost nothing between requests.
/// </summary>
internal sealed class KeyValueStore : IDisposable
{
    /// <summary>Pass as the expiry of <see cref="Set"/> to keep the key's current expiry (KEEPTTL).</summary>
    public const long KeepExpiry = -1;

    private const int SweepBatch = 256;
    private const int SweepPeriodMilliseconds = 100;

    private static readonly long TicksPerMillisecond = Stopwatch.Frequency / 1000;

    private readonly Func<long> _clock;
    private readonly Lock _gate = new();
    private readonly Dictionary<byte[], StoreEntry> _map = new(KeyComparer.Instance);
    private readonly Dictionary<byte[], StoreEntry>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly List<StoreEntry> _expiring = new();
    private readonly Timer _sweeper;
    private int _sweepCursor;
    private bool _sweeping;
    private bool _disposed;

    /// <summary>A store on the monotonic clock (<see cref="MonotonicMilliseconds"/>), or on <paramref name="clock"/> (tests).</summary>
    public KeyValueStore(Func<long>? clock = null)
    {
        _clock = clock ?? (static () => MonotonicMilliseconds);
        _lookup = _map.GetAlternateLookup<ReadOnlySpan<byte>>();
        _sweeper = new Timer(static state => ((KeyValueStore)state!).Sweep(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>
    /// Monotonic milliseconds from the high-resolution clock (Environment.TickCount64 may be a coarse clock that lags by
    /// a few milliseconds, which would let a short PX expire early).
    /// </summary>
    public static long MonotonicMilliseconds => Stopwatch.GetTimestamp() / TicksPerMillisecond;

    /// <summary>The clock expiry is measured on, in whole milliseconds; deadlines are <c>Now</c> plus the time to live.</summary>
    public long Now => _clock();

    /// <summary>True while the sweep timer runs: from the first key given an expiry until a sweep finds none listed.</summary>
    public bool Sweeping
    {
        get
        {
            lock (_gate)
            {
                return _sweeping;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _map.Count;
            }
        }
    }

    /// <summary>GET: writes the value as a bulk string, or a null bulk when the key is absent.</summary>
    public void WriteValue(ReadOnlySpan<byte> key, RespWriter writer)
    {
        lock (_gate)
        {
            var clock = Clock();
            WriteValueLocked(key, writer, ref clock);
        }
    }

    /// <summary>MGET: every key from argument <paramref name="first"/> on, as one array reply.</summary>
    public void WriteValues(in Command command, int first, RespWriter writer)
    {
        writer.WriteArrayHeader(command.Count - first);
        lock (_gate)
        {
            var clock = Clock();
            for (int i = first; i < command.Count; i++)
            {
                WriteValueLocked(command[i], writer, ref clock);
            }
        }
    }

    /// <summary>SET. Returns false when NX/XX prevented the write.</summary>
    /// <param name="expiresAt">Absolute expiry (<see cref="Now"/> based), 0 for none, or <see cref="KeepExpiry"/>.</param>
    public bool Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expiresAt, SetCondition condition)
    {
        lock (_gate)
        {
            var clock = Clock();
            StoreEntry? entry = FindLocked(key, ref clock);
            if ((condition == SetCondition.IfAbsent && entry is not null) || (condition == SetCondition.IfPresent && entry is null))
            {
                return false;
            }

            entry ??= AddLocked(key);
            Assign(entry, value);
            if (expiresAt != KeepExpiry)
            {
                SetExpiryLocked(entry, expiresAt);
            }

            return true;
        }
    }

    /// <summary>MSET: pairs from argument <paramref name="first"/> on, all at once.</summary>
    public void SetMany(in Command command, int first)
    {
        lock (_gate)
        {
            var clock = Clock();
            for (int i = first; i + 1 < command.Count; i += 2)
            {
                StoreEntry entry = FindLocked(command[i], ref clock) ?? AddLocked(command[i]);
                Assign(entry, command[i + 1]);
                SetExpiryLocked(entry, 0);
            }
        }
    }

    /// <summary>DEL (<paramref name="onlyCount"/> false) or EXISTS (true) over arguments from <paramref name="first"/> on.</summary>
    public int DeleteOrCount(in Command command, int first, bool onlyCount)
    {
        int n = 0;
        lock (_gate)
        {
            var clock = Clock();
            for (int i = first; i < command.Count; i++)
            {
                if (FindLocked(command[i], ref clock) is null)
                {
                    continue;
                }

                n++;
                if (!onlyCount)
                {
                    RemoveLocked(command[i]);
                }
            }
        }

        return n;
    }

    /// <summary>INCRBY: parses the value as a 64-bit integer (absent counts as 0), adds, stores the decimal result. Keeps the expiry.</summary>
    public IncrementResult IncrementBy(ReadOnlySpan<byte> key, long delta, out long result)
    {
        result = 0;
        lock (_gate)
        {
            var clock = Clock();
            StoreEntry? entry = FindLocked(key, ref clock);
            long current = 0;
            if (entry is not null && !AsciiNumber.TryParseInt64(entry.Span, out current))
            {
                return IncrementResult.NotAnInteger;
            }

            if ((delta > 0 && current > long.MaxValue - delta) || (delta < 0 && current < long.MinValue - delta))
            {
                return IncrementResult.Overflow;
            }

            result = current + delta;
            Span<byte> text = stackalloc byte[AsciiNumber.MaxInt64Length];
            int length = AsciiNumber.Format(result, text);
            Assign(entry ?? AddLocked(key), text[..length]);
            return IncrementResult.Done;
        }
    }

    /// <summary>EXPIRE / PEXPIRE with an absolute deadline; a deadline not in the future deletes the key. False when absent.</summary>
    public bool Expire(ReadOnlySpan<byte> key, long expiresAt)
    {
        lock (_gate)
        {
            var clock = Clock();
            StoreEntry? entry = FindLocked(key, ref clock);
            if (entry is null)
            {
                return false;
            }

            if (expiresAt <= clock.Now)
            {
                RemoveLocked(key);
            }
            else
            {
                SetExpiryLocked(entry, expiresAt);
            }

            return true;
        }
    }

    /// <summary>PERSIST: drops the expiry. False when the key is absent or had none.</summary>
    public bool Persist(ReadOnlySpan<byte> key)
    {
        lock (_gate)
        {
            var clock = Clock();
            StoreEntry? entry = FindLocked(key, ref clock);
            if (entry is null || entry.ExpiresAt == 0)
            {
                return false;
            }

            entry.ExpiresAt = 0;
            return true;
        }
    }

    /// <summary>Milliseconds to live: -2 when the key is absent, -1 when it has no expiry.</summary>
    public long TimeToLive(ReadOnlySpan<byte> key)
    {
        lock (_gate)
        {
            var clock = Clock();
            StoreEntry? entry = FindLocked(key, ref clock);
            if (entry is null)
            {
                return -2;
            }

            return entry.ExpiresAt == 0 ? -1 : Math.Max(0, entry.ExpiresAt - clock.Now);
        }
    }

    /// <summary>FLUSHALL / FLUSHDB.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            foreach (StoreEntry entry in _map.Values)
            {
                entry.Live = false;
            }

            _map.Clear();
            _expiring.Clear();
            _sweepCursor = 0;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            // Under the lock, so no Set re-arms (and no sweep stops) a disposed timer.
            _disposed = true;
            _sweeper.Dispose();
        }
    }

    /// <summary>Stores <paramref name="value"/>, reusing the entry's array when it is small and big enough.</summary>
    private static void Assign(StoreEntry entry, ReadOnlySpan<byte> value)
    {
        byte[] current = entry.Value;
        // Large arrays are never written in place: a reply may still be sending from one (see RespWriter.WriteBulk).
        // Nor is a much larger array kept for a small value.
        bool reuse = value.Length <= current.Length
            && current.Length < RespWriter.LargeValueThreshold
            && current.Length <= Math.Max(64, value.Length * 2);
        if (!reuse)
        {
            current = value.Length == 0 ? [] : GC.AllocateUninitializedArray<byte>(value.Length);
            entry.Value = current;
        }

        value.CopyTo(current);
        entry.Length = value.Length;
    }

    private void WriteValueLocked(ReadOnlySpan<byte> key, RespWriter writer, ref OperationClock clock)
    {
        StoreEntry? entry = FindLocked(key, ref clock);
        if (entry is null)
        {
            writer.WriteNullBulk();
        }
        else
        {
            writer.WriteBulk(entry.Value, entry.Length);
        }
    }

    /// <summary>The live entry for <paramref name="key"/>, removing it first if it has expired.</summary>
    private StoreEntry? FindLocked(ReadOnlySpan<byte> key, ref OperationClock clock)
    {
        if (!_lookup.TryGetValue(key, out StoreEntry? entry))
        {
            return null;
        }

        // Strictly after, as redis does: the clock is in whole milliseconds, so "at" could be up to 1 ms early.
        if (entry.ExpiresAt != 0 && entry.ExpiresAt < clock.Now)
        {
            RemoveLocked(key);
            return null;
        }

        return entry;
    }

    private OperationClock Clock() => new(_clock);

    /// <summary>
    /// The store's clock for one operation: read on first use and then held, so a multi-key command sees one instant,
    /// and a command whose keys have no expiry (the common case) never reads it; a clock read per GET was about 3% of
    /// the server's CPU with pipelined GETs.
    /// </summary>
    private struct OperationClock
    {
        private readonly Func<long> _read;
        private long _now;
        private bool _known;

        public OperationClock(Func<long> read) => _read = read;

        public long Now
        {
            get
            {
                if (!_known)
                {
                    _now = _read();
                    _known = true;
                }

                return _now;
            }
        }
    }

    private StoreEntry AddLocked(ReadOnlySpan<byte> key)
    {
        var entry = new StoreEntry(key.ToArray());
        _map.Add(entry.Key, entry);
        return entry;
    }

    private void RemoveLocked(ReadOnlySpan<byte> key)
    {
        if (_lookup.Remove(key, out _, out StoreEntry? entry))
        {
            entry.Live = false;
        }
    }

    private void SetExpiryLocked(StoreEntry entry, long expiresAt)
    {
        entry.ExpiresAt = expiresAt;
        if (expiresAt != 0 && !entry.Listed)
        {
            entry.Listed = true;
            _expiring.Add(entry);
            if (!_sweeping && !_disposed)
            {
                _sweeping = true;
                _sweeper.Change(SweepPeriodMilliseconds, SweepPeriodMilliseconds);
            }
        }
    }

    /// <summary>Removes expired keys, looking at a bounded number of listed entries per tick so the lock is held briefly.</summary>
    private void Sweep()
    {
        lock (_gate)
        {
            long now = Now;
            for (int examined = 0; examined < SweepBatch && _expiring.Count > 0; examined++)
            {
                if (_sweepCursor >= _expiring.Count)
                {
                    _sweepCursor = 0;
                }

                StoreEntry entry = _expiring[_sweepCursor];
                bool expired = entry.Live && entry.ExpiresAt != 0 && entry.ExpiresAt < now;
                if (expired)
                {
                    _map.Remove(entry.Key);
                    entry.Live = false;
                }

                if (!entry.Live || entry.ExpiresAt == 0)
                {
                    // Gone or persisted: off the list (swap with the last; order does not matter).
                    entry.Listed = false;
                    int last = _expiring.Count - 1;
                    _expiring[_sweepCursor] = _expiring[last];
                    _expiring.RemoveAt(last);
                }
                else
                {
                    _sweepCursor++;
                }
            }

            if (_expiring.Count == 0 && _sweeping && !_disposed)
            {
                _sweeping = false;
                _sweeper.Change(Timeout.Infinite, Timeout.Infinite);
            }
        }
    }
}
