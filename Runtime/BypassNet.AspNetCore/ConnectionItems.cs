namespace BypassNet.AspNetCore;

/// <summary>The per-connection item bag Kestrel and middleware share (created on first use).</summary>
internal sealed class ConnectionItems : Dictionary<object, object?>
{
}
