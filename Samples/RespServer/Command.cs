namespace BypassNet.Samples.Resp;

/// <summary>A parsed command: its arguments as views into the bytes it was parsed from, valid only while those are.</summary>
internal readonly ref struct Command
{
    private readonly ReadOnlySpan<byte> _input;
    private readonly ArgumentList _arguments;

    public Command(ReadOnlySpan<byte> input, ArgumentList arguments)
    {
        _input = input;
        _arguments = arguments;
    }

    /// <summary>Number of arguments, the command name included.</summary>
    public int Count => _arguments.Count;

    /// <summary>The command name as sent (any case).</summary>
    public ReadOnlySpan<byte> Name => this[0];

    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            (int start, int length) = _arguments[index];
            return _input.Slice(start, length);
        }
    }
}
