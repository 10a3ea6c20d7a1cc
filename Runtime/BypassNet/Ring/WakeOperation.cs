using System.Runtime.InteropServices;
using BypassNet.Interop;

namespace BypassNet.Ring;

/// <summary>
/// The READ on the loop's eventfd that is always in flight, so a write from another thread ends a blocking
/// io_uring_enter. Re-armed after every completion until the loop stops.
/// </summary>
internal sealed unsafe class WakeOperation : RingOperation
{
    private readonly int _eventFd;
    private ulong* _counter;

    public WakeOperation(int eventFd)
    {
        _eventFd = eventFd;
        _counter = (ulong*)NativeMemory.AllocZeroed(sizeof(ulong));
    }

    internal override void Prepare(ref IoUringSqe sqe, ulong userData) =>
        Sqe.Read(ref sqe, _eventFd, (nint)_counter, sizeof(ulong), userData);

    internal override bool OnCompletion(RingEventLoop loop, int result, uint flags) => true;

    // The loop refuses the re-arm once it is stopping.
    internal override void OnReleased(RingEventLoop loop) => loop.Submit(this);

    /// <summary>Frees the counter; only after the READ's final completion (the loop guarantees that).</summary>
    public void Free()
    {
        if (_counter != null)
        {
            NativeMemory.Free(_counter);
            _counter = null;
        }
    }
}
