namespace BypassNet.Ring;

/// <summary>Posted work that must be told when the ring stops before it could run, so no caller waits forever.</summary>
internal interface IRejectable
{
    void Reject(Exception reason);
}
