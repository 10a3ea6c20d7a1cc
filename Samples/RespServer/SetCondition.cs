namespace BypassNet.Samples.Resp;

/// <summary>SET's NX / XX: whether the key must be absent or present for the write to happen.</summary>
internal enum SetCondition
{
    Always,
    IfAbsent,
    IfPresent,
}
