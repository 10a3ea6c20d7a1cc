using System.Text;
using BypassNet.Samples.Resp;

namespace BypassNet.RespServer.Tests;

public sealed class ParserTests
{
    [Fact]
    public void A_command_split_at_every_byte_boundary_resumes_to_the_same_arguments()
    {
        byte[] command = Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$5\r\nmykey\r\n$12\r\nhello\r\nworld\r\n");
        for (int split = 0; split < command.Length; split++)
        {
            var parser = new RespParser();
            ParseStatus partial = parser.Parse(command.AsSpan(0, split), out _);
            Assert.True(partial == ParseStatus.Incomplete, $"split at {split}: {partial} {parser.Error}");
            ParseStatus full = parser.Parse(command, out int consumed);
            Assert.True(full == ParseStatus.Complete, $"split at {split}, then whole: {full} {parser.Error}");
            Assert.Equal(command.Length, consumed);
            AssertArguments(command, parser, "SET", "mykey", "hello\r\nworld");
        }
    }

    [Fact]
    public void Growing_input_one_byte_at_a_time_completes_exactly_at_the_last_byte()
    {
        byte[] command = Encoding.ASCII.GetBytes("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
        var parser = new RespParser();
        for (int length = 0; length < command.Length; length++)
        {
            Assert.Equal(ParseStatus.Incomplete, parser.Parse(command.AsSpan(0, length), out _));
        }

        Assert.Equal(ParseStatus.Complete, parser.Parse(command, out int consumed));
        Assert.Equal(command.Length, consumed);
        AssertArguments(command, parser, "ECHO", "");
    }

    [Fact]
    public void A_512_MB_bulk_header_asks_for_the_whole_value_before_parsing_again()
    {
        byte[] header = Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n");
        var parser = new RespParser();
        Assert.Equal(ParseStatus.Incomplete, parser.Parse(header, out _));
        Assert.Equal(header.Length + 536870912 + 2, parser.NeededBytes);
    }

    [Fact]
    public void Inline_commands_split_on_spaces_and_tabs()
    {
        byte[] line = Encoding.ASCII.GetBytes("  set\tk   v \r\nPING\r\n");
        var parser = new RespParser();
        Assert.Equal(ParseStatus.Complete, parser.Parse(line, out int consumed));
        AssertArguments(line, parser, "set", "k", "v");
        parser.Reset();
        Assert.Equal(ParseStatus.Complete, parser.Parse(line.AsSpan(consumed), out _));
        AssertArguments(line.AsSpan(consumed).ToArray(), parser, "PING");
    }

    [Theory]
    [InlineData("*0\r\n")]
    [InlineData("\r\n")]
    [InlineData("   \n")]
    public void Lines_without_a_command_are_skipped(string input)
    {
        var parser = new RespParser();
        Assert.Equal(ParseStatus.Empty, parser.Parse(Encoding.ASCII.GetBytes(input), out int consumed));
        Assert.Equal(input.Length, consumed);
    }

    [Theory]
    [InlineData("*x\r\n", nameof(ProtocolError.InvalidMultibulkLength))]
    [InlineData("*-1\r\n", nameof(ProtocolError.InvalidMultibulkLength))]
    [InlineData("*+1\r\n", nameof(ProtocolError.InvalidMultibulkLength))]
    [InlineData("*01\r\n", nameof(ProtocolError.InvalidMultibulkLength))]
    [InlineData("*1048577\r\n", nameof(ProtocolError.InvalidMultibulkLength))]
    [InlineData("*1\r\n$\r\n", nameof(ProtocolError.InvalidBulkLength))]
    [InlineData("*1\r\n$-1\r\n", nameof(ProtocolError.InvalidBulkLength))]
    [InlineData("*1\r\n$536870913\r\n", nameof(ProtocolError.InvalidBulkLength))]
    [InlineData("*1\r\n+OK\r\n", nameof(ProtocolError.ExpectedBulk))]
    [InlineData("*1\r\n$2\r\nabc\r\n", nameof(ProtocolError.MissingBulkTerminator))]
    public void Broken_framing_is_an_error(string input, string expected)
    {
        var parser = new RespParser();
        Assert.Equal(ParseStatus.Error, parser.Parse(Encoding.ASCII.GetBytes(input), out _));
        Assert.Equal(expected, parser.Error.ToString());
    }

    [Fact]
    public void Random_bytes_never_make_the_parser_throw_or_overrun()
    {
        var random = new Random(1);
        for (int round = 0; round < 20_000; round++)
        {
            byte[] input = new byte[random.Next(0, 64)];
            random.NextBytes(input);
            if (round % 3 == 0 && input.Length > 0)
            {
                input[0] = (byte)'*';
            }

            // Sprinkle protocol bytes so the interesting paths are reached.
            for (int i = 0; i < input.Length; i++)
            {
                if (random.Next(4) == 0)
                {
                    input[i] = "*$\r\n0123-"u8[random.Next(9)];
                }
            }

            var parser = new RespParser();
            int offset = 0;
            while (offset < input.Length)
            {
                ParseStatus status = parser.Parse(input.AsSpan(offset), out int consumed);
                if (status is ParseStatus.Incomplete or ParseStatus.Error)
                {
                    break;
                }

                Assert.InRange(consumed, 1, input.Length - offset);
                for (int i = 0; i < parser.Arguments.Count; i++)
                {
                    (int start, int length) = parser.Arguments[i];
                    Assert.InRange(start + length, 0, consumed);
                }

                offset += consumed;
                parser.Reset();
            }
        }
    }

    private static void AssertArguments(byte[] input, RespParser parser, params string[] expected)
    {
        var command = new Command(input, parser.Arguments);
        Assert.Equal(expected.Length, command.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], Encoding.ASCII.GetString(command[i]));
        }
    }
}
