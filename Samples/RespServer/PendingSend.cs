namespace BypassNet.Samples.Resp;

/// <summary>
/// One piece of reply waiting to be sent, in order: a filled owned buffer (sent as is), or bytes in managed memory
/// (a large stored value, or overflow written while the buffer pool was empty) that are copied into owned buffers
/// when sent.
/// </summary>
internal readonly struct PendingSend
{
    private PendingSend(OwnedBuffer? buffer, byte[]? array, int count, bool pooledArray)
    {
        Buffer = buffer;
        Array = array;
        Count = count;
        PooledArray = pooledArray;
    }

    /// <summary>A filled buffer, its <see cref="OwnedBuffer.Length"/> already set; this entry owns it.</summary>
    public OwnedBuffer? Buffer { get; }

    /// <summary>Managed bytes to send, from index 0; null when <see cref="Buffer"/> is set.</summary>
    public byte[]? Array { get; }

    /// <summary>How many bytes of <see cref="Array"/> to send.</summary>
    public int Count { get; }

    /// <summary>True when <see cref="Array"/> came from ArrayPool and goes back there once sent.</summary>
    public bool PooledArray { get; }

    public static PendingSend Owned([TakesOwnership] OwnedBuffer buffer) => new(buffer, null, 0, false);

    public static PendingSend Managed(byte[] array, int count, bool pooled) => new(null, array, count, pooled);
}
