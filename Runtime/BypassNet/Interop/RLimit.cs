namespace BypassNet.Interop;

/// <summary>struct rlimit on 64-bit Linux.</summary>
internal struct RLimit
{
    public ulong Current;
    public ulong Maximum;
}
