using System.Buffers.Text;

namespace BypassNet.Samples.Resp;

/// <summary>Strict decimal integers as Redis reads them: optional '-', digits only, no spaces or '+', no overflow.</summary>
internal static class AsciiNumber
{
    /// <summary>Longest decimal form of a <see cref="long"/>: sign and 19 digits.</summary>
    public const int MaxInt64Length = 20;

    public static bool TryParseInt64(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > MaxInt64Length)
        {
            return false;
        }

        bool negative = text[0] == (byte)'-';
        int i = negative ? 1 : 0;
        if (i == text.Length)
        {
            return false;
        }

        // Redis rejects leading zeros ("007") so that every integer has exactly one spelling.
        if (text[i] == (byte)'0' && text.Length > i + 1)
        {
            return false;
        }

        ulong magnitude = 0;
        if (text.Length - i <= 18)
        {
            // Up to 18 digits cannot overflow: the common case (lengths, counts) skips the per-digit overflow check.
            for (; i < text.Length; i++)
            {
                uint digit = (uint)(text[i] - (byte)'0');
                if (digit > 9)
                {
                    return false;
                }

                magnitude = (magnitude * 10) + digit;
            }

            value = negative ? -(long)magnitude : (long)magnitude;
            return true;
        }

        for (; i < text.Length; i++)
        {
            uint digit = (uint)(text[i] - (byte)'0');
            if (digit > 9)
            {
                return false;
            }

            if (magnitude > (ulong.MaxValue - digit) / 10)
            {
                return false;
            }

            magnitude = (magnitude * 10) + digit;
        }

        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1)
            {
                return false;
            }

            value = (long)(0 - magnitude);
            return true;
        }

        if (magnitude > long.MaxValue)
        {
            return false;
        }

        value = (long)magnitude;
        return true;
    }

    /// <summary>Writes <paramref name="value"/> in decimal; <paramref name="destination"/> must hold <see cref="MaxInt64Length"/> bytes.</summary>
    public static int Format(long value, Span<byte> destination)
    {
        Utf8Formatter.TryFormat(value, destination, out int written);
        return written;
    }
}
