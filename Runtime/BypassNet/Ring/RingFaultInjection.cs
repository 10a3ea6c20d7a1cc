namespace BypassNet.Ring;

/// <summary>
/// Test-only: makes a ring's next io_uring_enter report an error, because the kernel cannot be made to fail a ring on
/// demand (-EBADR needs dropped completions, which need memory pressure nobody can schedule). Consulted only on the
/// loop's error path, so production pays one field read per enter.
/// </summary>
internal sealed class RingFaultInjection
{
    private int _enterErrno;

    /// <summary>The next io_uring_enter of the loop returns -<paramref name="errno"/> instead of its real result.</summary>
    public void FailNextEnter(int errno) => Volatile.Write(ref _enterErrno, errno);

    /// <summary>Replaces <paramref name="rc"/> with the injected error once, if one was set.</summary>
    public int Apply(int rc)
    {
        int errno = Volatile.Read(ref _enterErrno);
        if (errno == 0)
        {
            return rc;
        }

        Volatile.Write(ref _enterErrno, 0);
        return -errno;
    }
}
