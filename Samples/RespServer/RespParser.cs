namespace BypassNet.Samples.Resp;

/// <summary>
/// Parses RESP2 requests — multibulk (<c>*N\r\n$len\r\n…</c>) and inline (<c>PING\r\n</c>) — straight from received
/// bytes without copying or allocating. One parser per connection. Resumable: after <see cref="ParseStatus.Incomplete"/>
/// call again with the same command start and more bytes after it; arguments already parsed are not parsed again, and
/// <see cref="NeededBytes"/> says how long the input must be before another attempt can progress (so a 512 MB value
/// arriving in 16 KiB pieces is not rescanned for every piece).
/// </summary>
internal sealed class RespParser
{
    /// <summary>Largest bulk string Redis accepts (proto-max-bulk-len).</summary>
    public const int MaxBulkLength = 512 * 1024 * 1024;

    /// <summary>Most arguments in one command (Redis's limit for an unauthenticated client is lower; this is generous).</summary>
    public const int MaxArguments = 1024 * 1024;

    /// <summary>Longest inline command, and longest header line, Redis accepts (PROTO_INLINE_MAX_SIZE).</summary>
    public const int MaxInlineLength = 64 * 1024;

    /// <summary>Largest whole command: Redis's client-query-buffer-limit default.</summary>
    public const int MaxCommandBytes = 1024 * 1024 * 1024;

    private int _expected = -1;
    private int _position;

    /// <summary>Arguments of the command parsed (complete or so far), as offsets from its first byte.</summary>
    public ArgumentList Arguments { get; } = new();

    /// <summary>The input must be at least this long (from the command's first byte) for the next attempt to progress.</summary>
    public int NeededBytes { get; private set; }

    /// <summary>What was wrong, after <see cref="ParseStatus.Error"/>.</summary>
    public ProtocolError Error { get; private set; }

    /// <summary>The byte found where a '$' was expected, after <see cref="ProtocolError.ExpectedBulk"/>.</summary>
    public byte Unexpected { get; private set; }

    /// <summary>Forgets the current command; call after a complete or empty command and before parsing new input.</summary>
    public void Reset()
    {
        _expected = -1;
        _position = 0;
        NeededBytes = 0;
        Error = ProtocolError.None;
        Arguments.Clear();
    }

    /// <summary>Parses the command at the start of <paramref name="input"/>.</summary>
    /// <param name="input">Bytes from the command's first byte on; after Incomplete, the same bytes and more.</param>
    /// <param name="consumed">Length of the command, for Complete and Empty.</param>
    public ParseStatus Parse(ReadOnlySpan<byte> input, out int consumed)
    {
        consumed = 0;
        if (input.Length < NeededBytes)
        {
            return ParseStatus.Incomplete;
        }

        if (_expected < 0)
        {
            if (input.IsEmpty)
            {
                return NeedMore(1);
            }

            if (input[0] != (byte)'*')
            {
                return ParseInline(input, out consumed);
            }

            int lineEnd = input.IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                return input.Length > MaxInlineLength ? Fail(ProtocolError.TooBigMultibulkHeader) : NeedMore(input.Length + 1);
            }

            // A negative count is a null array, which is no command: Redis skips "*-1", but a client sending one is
            // broken, so it is told rather than ignored.
            if (!AsciiNumber.TryParseInt64(input[1..lineEnd], out long count) || count < 0 || count > MaxArguments)
            {
                return Fail(ProtocolError.InvalidMultibulkLength);
            }

            if (count == 0)
            {
                consumed = lineEnd + 2;
                return ParseStatus.Empty;
            }

            _expected = (int)count;
            _position = lineEnd + 2;
        }

        while (Arguments.Count < _expected)
        {
            int position = _position;
            if (position >= input.Length)
            {
                return NeedMore(position + 1);
            }

            if (input[position] != (byte)'$')
            {
                Unexpected = input[position];
                return Fail(ProtocolError.ExpectedBulk);
            }

            ReadOnlySpan<byte> header = input[(position + 1)..];
            int lineEnd = header.IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                return header.Length > MaxInlineLength ? Fail(ProtocolError.TooBigBulkHeader) : NeedMore(input.Length + 1);
            }

            if (!AsciiNumber.TryParseInt64(header[..lineEnd], out long length) || length < 0 || length > MaxBulkLength)
            {
                return Fail(ProtocolError.InvalidBulkLength);
            }

            int start = position + 1 + lineEnd + 2;
            long end = start + length + 2;
            if (end > MaxCommandBytes)
            {
                return Fail(ProtocolError.CommandTooLarge);
            }

            if (end > input.Length)
            {
                return NeedMore((int)end);
            }

            int terminator = start + (int)length;
            if (input[terminator] != (byte)'\r' || input[terminator + 1] != (byte)'\n')
            {
                return Fail(ProtocolError.MissingBulkTerminator);
            }

            Arguments.Add(start, (int)length);
            _position = (int)end;
        }

        NeededBytes = 0;
        consumed = _position;
        return ParseStatus.Complete;
    }

    /// <summary>The error reply for <see cref="Error"/>, written without allocating.</summary>
    public void WriteError(RespWriter writer)
    {
        switch (Error)
        {
            case ProtocolError.InvalidMultibulkLength:
                writer.WriteError("ERR Protocol error: invalid multibulk length"u8);
                break;
            case ProtocolError.InvalidBulkLength:
                writer.WriteError("ERR Protocol error: invalid bulk length"u8);
                break;
            case ProtocolError.ExpectedBulk:
                // Redis quotes the offending byte; a control byte would break the error line, so show it as '?'.
                ReadOnlySpan<byte> template = "ERR Protocol error: expected '$', got ' '"u8;
                Span<byte> message = stackalloc byte[template.Length];
                template.CopyTo(message);
                message[^2] = Unexpected is >= 0x20 and < 0x7f ? Unexpected : (byte)'?';
                writer.WriteError(message);
                break;
            case ProtocolError.MissingBulkTerminator:
                writer.WriteError("ERR Protocol error: expected CRLF after bulk string"u8);
                break;
            case ProtocolError.TooBigInline:
                writer.WriteError("ERR Protocol error: too big inline request"u8);
                break;
            case ProtocolError.TooBigMultibulkHeader:
                writer.WriteError("ERR Protocol error: too big mbulk count string"u8);
                break;
            case ProtocolError.TooBigBulkHeader:
                writer.WriteError("ERR Protocol error: too big bulk count string"u8);
                break;
            default:
                writer.WriteError("ERR Protocol error: command exceeds the 1 GiB query buffer limit"u8);
                break;
        }
    }

    private ParseStatus ParseInline(ReadOnlySpan<byte> input, out int consumed)
    {
        consumed = 0;
        int newline = input.IndexOf((byte)'\n');
        if (newline < 0)
        {
            return input.Length > MaxInlineLength ? Fail(ProtocolError.TooBigInline) : NeedMore(input.Length + 1);
        }

        if (newline > MaxInlineLength)
        {
            return Fail(ProtocolError.TooBigInline);
        }

        int lineLength = newline > 0 && input[newline - 1] == (byte)'\r' ? newline - 1 : newline;
        ReadOnlySpan<byte> line = input[..lineLength];
        int i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && IsSpace(line[i]))
            {
                i++;
            }

            int start = i;
            while (i < line.Length && !IsSpace(line[i]))
            {
                i++;
            }

            if (i > start)
            {
                Arguments.Add(start, i - start);
            }
        }

        NeededBytes = 0;
        consumed = newline + 1;
        return Arguments.Count == 0 ? ParseStatus.Empty : ParseStatus.Complete;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r';

    private ParseStatus NeedMore(int neededBytes)
    {
        NeededBytes = neededBytes;
        return ParseStatus.Incomplete;
    }

    private ParseStatus Fail(ProtocolError error)
    {
        Error = error;
        return ParseStatus.Error;
    }
}
