namespace BypassNet.FaultTests.Support;

/// <summary>
/// An endless deterministic byte stream per seed: a writer produces it piece by piece and a reader checks every byte it
/// gets against the same position, so loss, duplication, reordering or corruption is caught without keeping the payload.
/// </summary>
public sealed class StreamPattern
{
    private readonly ulong _seed;

    public StreamPattern(int seed) => _seed = (ulong)seed * 0x9E3779B97F4A7C15UL;

    /// <summary>Bytes produced (writer) or verified (reader) so far.</summary>
    public long Position { get; private set; }

    public static byte At(ulong seed, long position)
    {
        // splitmix64 of (seed, word index): cheap, and no two nearby positions or seeds look alike.
        ulong z = seed + (ulong)(position >> 3) * 0xBF58476D1CE4E5B9UL + 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (byte)(z >> (int)((position & 7) * 8));
    }

    /// <summary>Writes the next <paramref name="destination"/>.Length bytes of the stream.</summary>
    public void Fill(Span<byte> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = At(_seed, Position + i);
        }

        Position += destination.Length;
    }

    /// <summary>Checks that <paramref name="received"/> is the next part of the stream; throws with the first bad position.</summary>
    public void Verify(ReadOnlySpan<byte> received)
    {
        for (int i = 0; i < received.Length; i++)
        {
            byte expected = At(_seed, Position + i);
            if (received[i] != expected)
            {
                throw new InvalidDataException($"stream byte {Position + i}: expected 0x{expected:X2}, got 0x{received[i]:X2}");
            }
        }

        Position += received.Length;
    }
}
