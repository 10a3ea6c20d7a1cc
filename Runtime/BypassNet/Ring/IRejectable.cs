namespace BypassNet.Ring;

/// <summary>Posted work that must be told when the ring stops before it could run, so no caller waits forever.</summary>
internal interface IRejectable
{
    /// <summary>The ring stopped before this work ran; the work completes its caller with whatever error it means above.</summary>
    void Reject();
}
