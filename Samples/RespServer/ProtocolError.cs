namespace BypassNet.Samples.Resp;

/// <summary>Framing errors after which the byte stream cannot be resynchronised, so the connection is closed.</summary>
internal enum ProtocolError
{
    None,
    InvalidMultibulkLength,
    InvalidBulkLength,
    ExpectedBulk,
    MissingBulkTerminator,
    TooBigInline,
    TooBigMultibulkHeader,
    TooBigBulkHeader,
    CommandTooLarge,
}
