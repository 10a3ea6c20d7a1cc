using System.Text;

namespace BypassNet.Samples.Resp;

/// <summary>
/// Runs one parsed command against the store and writes its reply. Command names are matched case-insensitively on
/// the received bytes (no string is made), replies and errors follow Redis's wording so clients and tools recognise them.
/// </summary>
internal sealed class CommandDispatcher
{
    private const int MaxQuotedLength = 128;

    private readonly KeyValueStore _store;

    public CommandDispatcher(KeyValueStore store) => _store = store;

    /// <summary>Executes <paramref name="command"/>; returns false when the connection must close after the reply (QUIT).</summary>
    public bool Execute(in Command command, RespWriter writer)
    {
        ReadOnlySpan<byte> name = command.Name;
        switch (name.Length)
        {
            case 3:
                if (Is(name, "GET"u8))
                {
                    return WrongArity(command, writer, 2, "get"u8) || Get(command, writer);
                }

                if (Is(name, "SET"u8))
                {
                    return WrongArity(command, writer, -3, "set"u8) || Set(command, writer);
                }

                if (Is(name, "DEL"u8))
                {
                    return WrongArity(command, writer, -2, "del"u8) || Integer(writer, _store.DeleteOrCount(command, 1, onlyCount: false));
                }

                if (Is(name, "TTL"u8))
                {
                    return WrongArity(command, writer, 2, "ttl"u8) || TimeToLive(command, writer, milliseconds: false);
                }

                break;
            case 4:
                if (Is(name, "PING"u8))
                {
                    return WrongArity(command, writer, -1, "ping"u8) || Ping(command, writer);
                }

                if (Is(name, "ECHO"u8))
                {
                    return WrongArity(command, writer, 2, "echo"u8) || Bulk(writer, command[1]);
                }

                if (Is(name, "INCR"u8))
                {
                    return WrongArity(command, writer, 2, "incr"u8) || Increment(command[1], 1, writer);
                }

                if (Is(name, "DECR"u8))
                {
                    return WrongArity(command, writer, 2, "decr"u8) || Increment(command[1], -1, writer);
                }

                if (Is(name, "MGET"u8))
                {
                    return WrongArity(command, writer, -2, "mget"u8) || MultiGet(command, writer);
                }

                if (Is(name, "MSET"u8))
                {
                    return MultiSet(command, writer);
                }

                if (Is(name, "PTTL"u8))
                {
                    return WrongArity(command, writer, 2, "pttl"u8) || TimeToLive(command, writer, milliseconds: true);
                }

                if (Is(name, "QUIT"u8))
                {
                    writer.WriteRaw("+OK\r\n"u8);
                    return false;
                }

                if (Is(name, "INFO"u8))
                {
                    return Bulk(writer, "# Server\r\nredis_version:7.0.0\r\nredis_mode:standalone\r\nserver_name:bypassnet-resp\r\n"u8);
                }

                break;
            case 6:
                if (Is(name, "EXISTS"u8))
                {
                    return WrongArity(command, writer, -2, "exists"u8) || Integer(writer, _store.DeleteOrCount(command, 1, onlyCount: true));
                }

                if (Is(name, "INCRBY"u8))
                {
                    return WrongArity(command, writer, 3, "incrby"u8) || IncrementBy(command, writer, negate: false);
                }

                if (Is(name, "DECRBY"u8))
                {
                    return WrongArity(command, writer, 3, "decrby"u8) || IncrementBy(command, writer, negate: true);
                }

                if (Is(name, "EXPIRE"u8))
                {
                    return WrongArity(command, writer, 3, "expire"u8) || Expire(command, writer, 1000, "ERR invalid expire time in 'expire' command"u8);
                }

                if (Is(name, "DBSIZE"u8))
                {
                    return WrongArity(command, writer, 1, "dbsize"u8) || Integer(writer, _store.Count);
                }

                if (Is(name, "SELECT"u8))
                {
                    return WrongArity(command, writer, 2, "select"u8) || Select(command, writer);
                }

                if (Is(name, "CONFIG"u8))
                {
                    return WrongArity(command, writer, -2, "config"u8) || Config(command, writer);
                }

                if (Is(name, "CLIENT"u8))
                {
                    return WrongArity(command, writer, -2, "client"u8) || Client(command, writer);
                }

                break;
            case 7:
                if (Is(name, "COMMAND"u8))
                {
                    // Enough for redis-cli, which asks for COMMAND DOCS to drive its hints: an empty answer means "no hints".
                    if (command.Count > 1 && Is(command[1], "COUNT"u8))
                    {
                        writer.WriteInteger(0);
                    }
                    else
                    {
                        writer.WriteArrayHeader(0);
                    }

                    return true;
                }

                if (Is(name, "FLUSHDB"u8))
                {
                    return Flush(command, writer);
                }

                if (Is(name, "PEXPIRE"u8))
                {
                    return WrongArity(command, writer, 3, "pexpire"u8) || Expire(command, writer, 1, "ERR invalid expire time in 'pexpire' command"u8);
                }

                if (Is(name, "PERSIST"u8))
                {
                    return WrongArity(command, writer, 2, "persist"u8) || Integer(writer, _store.Persist(command[1]) ? 1 : 0);
                }

                break;
            case 8:
                if (Is(name, "FLUSHALL"u8))
                {
                    return Flush(command, writer);
                }

                break;
        }

        UnknownCommand(command, writer);
        return true;
    }

    private static bool Is(ReadOnlySpan<byte> value, ReadOnlySpan<byte> upperCase) => Ascii.EqualsIgnoreCase(value, upperCase);

    /// <summary>
    /// Checks the argument count the way Redis's arity does (exactly n, or at least -n when negative); when it is wrong,
    /// writes the error and returns true, so callers read <c>return WrongArity(…) || Run(…);</c>.
    /// </summary>
    private static bool WrongArity(in Command command, RespWriter writer, int arity, ReadOnlySpan<byte> lowerName)
    {
        if (arity >= 0 ? command.Count == arity : command.Count >= -arity)
        {
            return false;
        }

        WriteArityError(writer, lowerName);
        return true;
    }

    private static void WriteArityError(RespWriter writer, ReadOnlySpan<byte> lowerName)
    {
        writer.WriteRaw("-ERR wrong number of arguments for '"u8);
        writer.WriteRaw(lowerName);
        writer.WriteRaw("' command\r\n"u8);
    }

    private static bool Integer(RespWriter writer, long value)
    {
        writer.WriteInteger(value);
        return true;
    }

    private static bool Bulk(RespWriter writer, ReadOnlySpan<byte> value)
    {
        writer.WriteBulk(value);
        return true;
    }

    private static bool Ping(in Command command, RespWriter writer)
    {
        switch (command.Count)
        {
            case 1:
                writer.WriteRaw("+PONG\r\n"u8);
                return true;
            case 2:
                writer.WriteBulk(command[1]);
                return true;
            default:
                WriteArityError(writer, "ping"u8);
                return true;
        }
    }

    private bool Get(in Command command, RespWriter writer)
    {
        _store.WriteValue(command[1], writer);
        return true;
    }

    private bool Set(in Command command, RespWriter writer)
    {
        var condition = SetCondition.Always;
        long expiresAt = 0;
        bool hasExpiry = false;
        for (int i = 3; i < command.Count; i++)
        {
            ReadOnlySpan<byte> option = command[i];
            if (Is(option, "NX"u8) && condition != SetCondition.IfPresent)
            {
                condition = SetCondition.IfAbsent;
            }
            else if (Is(option, "XX"u8) && condition != SetCondition.IfAbsent)
            {
                condition = SetCondition.IfPresent;
            }
            else if (Is(option, "KEEPTTL"u8) && !hasExpiry)
            {
                hasExpiry = true;
                expiresAt = KeyValueStore.KeepExpiry;
            }
            else if ((Is(option, "EX"u8) || Is(option, "PX"u8)) && !hasExpiry && i + 1 < command.Count)
            {
                long scale = Is(option, "EX"u8) ? 1000 : 1;
                if (!AsciiNumber.TryParseInt64(command[++i], out long amount))
                {
                    writer.WriteError("ERR value is not an integer or out of range"u8);
                    return true;
                }

                if (!TryDeadline(amount, scale, out expiresAt) || amount <= 0)
                {
                    writer.WriteError("ERR invalid expire time in 'set' command"u8);
                    return true;
                }

                hasExpiry = true;
            }
            else
            {
                writer.WriteError("ERR syntax error"u8);
                return true;
            }
        }

        if (_store.Set(command[1], command[2], expiresAt, condition))
        {
            writer.WriteRaw("+OK\r\n"u8);
        }
        else
        {
            writer.WriteNullBulk();
        }

        return true;
    }

    private bool MultiGet(in Command command, RespWriter writer)
    {
        _store.WriteValues(command, 1, writer);
        return true;
    }

    private bool MultiSet(in Command command, RespWriter writer)
    {
        if (command.Count < 3 || command.Count % 2 == 0)
        {
            WriteArityError(writer, "mset"u8);
            return true;
        }

        _store.SetMany(command, 1);
        writer.WriteRaw("+OK\r\n"u8);
        return true;
    }

    private bool IncrementBy(in Command command, RespWriter writer, bool negate)
    {
        if (!AsciiNumber.TryParseInt64(command[2], out long delta) || (negate && delta == long.MinValue))
        {
            writer.WriteError("ERR value is not an integer or out of range"u8);
            return true;
        }

        return Increment(command[1], negate ? -delta : delta, writer);
    }

    private bool Increment(ReadOnlySpan<byte> key, long delta, RespWriter writer)
    {
        switch (_store.IncrementBy(key, delta, out long result))
        {
            case IncrementResult.Done:
                writer.WriteInteger(result);
                break;
            case IncrementResult.NotAnInteger:
                writer.WriteError("ERR value is not an integer or out of range"u8);
                break;
            default:
                writer.WriteError("ERR increment or decrement would overflow"u8);
                break;
        }

        return true;
    }

    private bool Expire(in Command command, RespWriter writer, long scale, ReadOnlySpan<byte> invalidTime)
    {
        if (!AsciiNumber.TryParseInt64(command[2], out long amount))
        {
            writer.WriteError("ERR value is not an integer or out of range"u8);
            return true;
        }

        long expiresAt;
        if (amount <= 0)
        {
            // A deadline in the past: the key is deleted, as in Redis.
            expiresAt = 0;
        }
        else if (!TryDeadline(amount, scale, out expiresAt))
        {
            writer.WriteError(invalidTime);
            return true;
        }

        writer.WriteInteger(_store.Expire(command[1], expiresAt) ? 1 : 0);
        return true;
    }

    private bool TimeToLive(in Command command, RespWriter writer, bool milliseconds)
    {
        long ttl = _store.TimeToLive(command[1]);
        if (ttl >= 0 && !milliseconds)
        {
            // Redis rounds to the nearest second.
            ttl = (ttl + 500) / 1000;
        }

        writer.WriteInteger(ttl);
        return true;
    }

    private bool Flush(in Command command, RespWriter writer)
    {
        if (command.Count > 2 || (command.Count == 2 && !Is(command[1], "ASYNC"u8) && !Is(command[1], "SYNC"u8)))
        {
            writer.WriteError("ERR syntax error"u8);
            return true;
        }

        _store.Clear();
        writer.WriteRaw("+OK\r\n"u8);
        return true;
    }

    private static bool Select(in Command command, RespWriter writer)
    {
        if (!AsciiNumber.TryParseInt64(command[1], out long index))
        {
            writer.WriteError("ERR value is not an integer or out of range"u8);
        }
        else if (index != 0)
        {
            writer.WriteError("ERR DB index is out of range"u8);
        }
        else
        {
            writer.WriteRaw("+OK\r\n"u8);
        }

        return true;
    }

    /// <summary>CONFIG GET answers the two settings redis-benchmark reads (no persistence); nothing can be set.</summary>
    private static bool Config(in Command command, RespWriter writer)
    {
        if (!Is(command[1], "GET"u8))
        {
            writer.WriteError("ERR CONFIG subcommands other than GET are not supported by this server"u8);
            return true;
        }

        int pairs = 0;
        for (int i = 2; i < command.Count; i++)
        {
            pairs += Is(command[i], "save"u8) || Is(command[i], "appendonly"u8) ? 1 : 0;
        }

        writer.WriteArrayHeader(pairs * 2);
        for (int i = 2; i < command.Count; i++)
        {
            if (Is(command[i], "save"u8))
            {
                writer.WriteBulk("save"u8);
                writer.WriteBulk(""u8);
            }
            else if (Is(command[i], "appendonly"u8))
            {
                writer.WriteBulk("appendonly"u8);
                writer.WriteBulk("no"u8);
            }
        }

        return true;
    }

    private static bool Client(in Command command, RespWriter writer)
    {
        if (Is(command[1], "SETNAME"u8) || Is(command[1], "SETINFO"u8))
        {
            writer.WriteRaw("+OK\r\n"u8);
        }
        else
        {
            writer.WriteError("ERR unknown or unsupported CLIENT subcommand"u8);
        }

        return true;
    }

    /// <summary>An absolute deadline <paramref name="amount"/> × <paramref name="scale"/> ms from now, unless that overflows.</summary>
    private bool TryDeadline(long amount, long scale, out long expiresAt)
    {
        long now = _store.Now;
        if (amount > (long.MaxValue - now) / scale)
        {
            expiresAt = 0;
            return false;
        }

        expiresAt = now + (amount * scale);
        return true;
    }

    /// <summary>Redis's wording, with the name and first arguments quoted (control and non-ASCII bytes shown as '?').</summary>
    private static void UnknownCommand(in Command command, RespWriter writer)
    {
        writer.WriteRaw("-ERR unknown command '"u8);
        WriteQuoted(writer, command.Name);
        writer.WriteRaw("', with args beginning with: "u8);
        int budget = MaxQuotedLength;
        for (int i = 1; i < command.Count && budget > 0; i++)
        {
            ReadOnlySpan<byte> argument = command[i];
            writer.WriteRaw("'"u8);
            WriteQuoted(writer, argument[..Math.Min(argument.Length, budget)]);
            writer.WriteRaw("' "u8);
            budget -= argument.Length;
        }

        writer.WriteRaw("\r\n"u8);
    }

    private static void WriteQuoted(RespWriter writer, ReadOnlySpan<byte> text)
    {
        Span<byte> clean = stackalloc byte[MaxQuotedLength];
        int n = Math.Min(text.Length, MaxQuotedLength);
        for (int i = 0; i < n; i++)
        {
            byte b = text[i];
            clean[i] = b is >= 0x20 and < 0x7f ? b : (byte)'?';
        }

        writer.WriteRaw(clean[..n]);
    }
}
