using BypassNet.Samples.Resp;

namespace BypassNet.RespServer.Tests;

/// <summary>The strict integer parser on both of its paths: up to 18 digits (no overflow check) and 19 or more.</summary>
public sealed class AsciiNumberTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("7", 7L)]
    [InlineData("-42", -42L)]
    [InlineData("999999999999999999", 999_999_999_999_999_999L)]
    [InlineData("-999999999999999999", -999_999_999_999_999_999L)]
    [InlineData("1000000000000000000", 1_000_000_000_000_000_000L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void Accepts_every_integer_redis_accepts(string text, long expected)
    {
        Assert.True(AsciiNumber.TryParseInt64(System.Text.Encoding.ASCII.GetBytes(text), out long value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("007")]
    [InlineData("12a")]
    [InlineData(" 1")]
    [InlineData("+1")]
    [InlineData("99999999999999999a")]
    [InlineData("9223372036854775808")]
    [InlineData("-9223372036854775809")]
    [InlineData("18446744073709551616")]
    [InlineData("100000000000000000000")]
    public void Rejects_what_is_not_a_64_bit_integer(string text)
    {
        Assert.False(AsciiNumber.TryParseInt64(System.Text.Encoding.ASCII.GetBytes(text), out _));
    }
}
