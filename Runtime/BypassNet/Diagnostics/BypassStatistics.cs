namespace BypassNet;

/// <summary>What a <see cref="BypassRuntime"/> has done since it was created.</summary>
/// <param name="Sends">Completed sends.</param>
/// <param name="ZeroCopySends">Sends the kernel transmitted without copying (SEND_ZC whose notification reported no copy).</param>
/// <param name="ZeroCopyCopied">SEND_ZC requests the kernel copied anyway (loopback, devices without scatter-gather).</param>
/// <param name="Receives">Completed receives.</param>
/// <param name="BytesSent">Bytes sent.</param>
/// <param name="BytesReceived">Bytes received.</param>
/// <param name="BufferStarvations">Multishot receives the kernel ended with ENOBUFS (re-armed when buffers came back).</param>
/// <param name="Accepts">Connections accepted.</param>
/// <param name="RingEnters">io_uring_enter system calls (0 on the socket engine).</param>
/// <param name="RingSubmissions">Submission queue entries consumed by the kernel.</param>
/// <param name="RingCompletions">Completion queue entries reaped.</param>
/// <param name="RingWakeups">Cross-thread wakeups (eventfd writes).</param>
public readonly record struct BypassStatistics(
    long Sends,
    long ZeroCopySends,
    long ZeroCopyCopied,
    long Receives,
    long BytesSent,
    long BytesReceived,
    long BufferStarvations,
    long Accepts,
    long RingEnters,
    long RingSubmissions,
    long RingCompletions,
    long RingWakeups);
