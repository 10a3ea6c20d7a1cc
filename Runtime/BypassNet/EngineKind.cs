namespace BypassNet;

/// <summary>The machinery under a <see cref="BypassSocket"/>.</summary>
public enum EngineKind
{
    /// <summary>io_uring when the kernel offers it, System.Net.Sockets otherwise.</summary>
    Auto,

    /// <summary>io_uring: registered buffers, provided buffer rings, multishot receive, zero-copy send.</summary>
    IoUring,

    /// <summary>System.Net.Sockets underneath, same API and semantics; owned buffers are filled by copy.</summary>
    Socket,
}
