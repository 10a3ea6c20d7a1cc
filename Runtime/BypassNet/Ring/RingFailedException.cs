namespace BypassNet.Ring;

/// <summary>
/// A ring stopped working (io_uring_enter failed in a way the loop cannot handle, or the kernel never completed what
/// was cancelled). Every operation that was pending on it completes with one of these, naming the cause; sockets on
/// other rings are unaffected.
/// </summary>
internal sealed class RingFailedException : IOException
{
    public RingFailedException(int ring, int errno, string cause, Exception? inner = null)
        : base($"BypassNet ring {ring} failed: {cause}. Every operation pending on it was failed; its sockets can only be disposed.", inner)
    {
        Ring = ring;
        Errno = errno;
        Cause = cause;
    }

    /// <summary>The ring's index.</summary>
    public int Ring { get; }

    /// <summary>The errno the ring failed with, or 0 when the cause was not a system call error.</summary>
    public int Errno { get; }

    /// <summary>What happened, without the common wording (for the copy each pending operation gets).</summary>
    public string Cause { get; }

    /// <summary>An io_uring_enter (or other ring system call) failure: the message names errno and its text.</summary>
    public static RingFailedException FromErrno(int ring, int errno, string during) =>
        new(ring, errno, $"{during} failed with errno {errno} ({System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)})");

    /// <summary>A fresh copy for one pending operation, so concurrent awaiters never share (and append to) one stack trace.</summary>
    public RingFailedException Copy() => new(Ring, Errno, Cause, this);
}
