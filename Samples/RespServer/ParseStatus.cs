namespace BypassNet.Samples.Resp;

/// <summary>What one attempt to parse a command from the front of the input found.</summary>
internal enum ParseStatus
{
    /// <summary>A whole command: its arguments are in <see cref="RespParser.Arguments"/>.</summary>
    Complete,

    /// <summary>Something that carries no command (an empty inline line, <c>*0</c>): skip it.</summary>
    Empty,

    /// <summary>The command continues past the end of the input; the parser keeps its place.</summary>
    Incomplete,

    /// <summary>The framing is broken beyond recovery: reply with the error, then close the connection.</summary>
    Error,
}
