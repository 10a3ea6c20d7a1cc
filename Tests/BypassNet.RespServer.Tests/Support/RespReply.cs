using System.Text;

namespace BypassNet.RespServer.Tests.Support;

/// <summary>One RESP2 reply as the test client read it.</summary>
public sealed class RespReply
{
    private RespReply(char type, string? text = null, long integer = 0, byte[]? bulk = null, RespReply[]? items = null)
    {
        Type = type;
        Text = text;
        Integer = integer;
        Bulk = bulk;
        Items = items;
    }

    /// <summary>'+', '-', ':', '$' or '*'.</summary>
    public char Type { get; }

    /// <summary>The line of a simple string or error.</summary>
    public string? Text { get; }

    public long Integer { get; }

    /// <summary>The bytes of a bulk string; null for a null bulk.</summary>
    public byte[]? Bulk { get; }

    /// <summary>The elements of an array; null for a null array.</summary>
    public RespReply[]? Items { get; }

    public bool IsError => Type == '-';

    public bool IsNullBulk => Type == '$' && Bulk is null;

    /// <summary>A bulk string decoded as UTF-8 (null for a null bulk).</summary>
    public string? BulkText => Bulk is null ? null : Encoding.UTF8.GetString(Bulk);

    public static RespReply Simple(string text) => new('+', text);

    public static RespReply Error(string text) => new('-', text);

    public static RespReply Int(long value) => new(':', integer: value);

    public static RespReply BulkString(byte[]? bytes) => new('$', bulk: bytes);

    public static RespReply Array(RespReply[]? items) => new('*', items: items);

    public override string ToString() => Type switch
    {
        '+' => $"+{Text}",
        '-' => $"-{Text}",
        ':' => $":{Integer}",
        '$' => Bulk is null ? "$-1" : Bulk.Length <= 64 ? $"${Bulk.Length} \"{Encoding.UTF8.GetString(Bulk)}\"" : $"${Bulk.Length} bytes",
        _ => Items is null ? "*-1" : $"*{Items.Length} [{string.Join(", ", Items.Select(i => i.ToString()))}]",
    };
}
