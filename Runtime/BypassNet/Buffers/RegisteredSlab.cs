using BypassNet.Interop;
using BypassNet.Ring;

namespace BypassNet.Buffers;

/// <summary>
/// The shared slab registered with one ring as fixed buffer 0 (IORING_REGISTER_BUFFERS), so sends from any pool
/// or received buffer can name it by index. Registration failing (RLIMIT_MEMLOCK, EPERM) is not an error: the
/// slab keeps working unregistered.
/// </summary>
internal sealed unsafe class RegisteredSlab : IDisposable
{
    private static int s_loggedFailure;
    private readonly RingEventLoop _loop;
    private readonly NativeSlab _slab;

    private RegisteredSlab(RingEventLoop loop, NativeSlab slab)
    {
        _loop = loop;
        _slab = slab;
    }

    /// <summary>Index to put in SQEs.</summary>
    public const int BufferIndex = 0;

    /// <summary>Registers on the loop thread; null when the kernel refused (logged once per process).</summary>
    public static RegisteredSlab? TryRegister(RingEventLoop loop, NativeSlab slab, bool simulateFailure = false)
    {
        IoVec iov = new() { Base = slab.Address, Length = slab.Length };
        int rc = simulateFailure ? -Libc.ENOMEM : loop.Register(IoUringConstants.RegisterBuffers, &iov, 1);
        if (rc < 0)
        {
            if (Interlocked.Exchange(ref s_loggedFailure, 1) == 0)
            {
                string reason = -rc switch
                {
                    Libc.ENOMEM => $"RLIMIT_MEMLOCK is too small for {slab.Length / 1024} KiB (raise it with ulimit -l, or run with CAP_IPC_LOCK)",
                    Libc.EPERM => "not permitted",
                    Libc.EFAULT => "the memory cannot be pinned",
                    _ => "kernel refused",
                };
                Diagnostics.Log.FixedBuffersUnavailable(loop.Logger, loop.Index, -rc, reason);
            }

            return null;
        }

        slab.Pin();
        return new RegisteredSlab(loop, slab);
    }

    public void Dispose()
    {
        _loop.Register(IoUringConstants.UnregisterBuffers, null, 0);
        _slab.Unpin();
    }
}
