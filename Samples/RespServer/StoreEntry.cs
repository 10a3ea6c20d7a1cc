namespace BypassNet.Samples.Resp;

/// <summary>A key's value and expiry. Mutable so that overwriting a small value reuses its array instead of allocating.</summary>
internal sealed class StoreEntry
{
    public StoreEntry(byte[] key) => Key = key;

    /// <summary>The key as stored in the dictionary (the sweeper removes expired entries by it).</summary>
    public byte[] Key { get; }

    /// <summary>Holds the value in its first <see cref="Length"/> bytes; may be longer (reused after a shorter overwrite).</summary>
    public byte[] Value { get; set; } = [];

    public int Length { get; set; }

    /// <summary>When the key expires, in <see cref="KeyValueStore.Now"/> milliseconds; 0 for never.</summary>
    public long ExpiresAt { get; set; }

    /// <summary>False once removed from the store; a stale entry in the expiry list is then dropped.</summary>
    public bool Live { get; set; } = true;

    /// <summary>True while the entry is in the store's expiry list (so it is listed once).</summary>
    public bool Listed { get; set; }

    public ReadOnlySpan<byte> Span => Value.AsSpan(0, Length);
}
