using System.Buffers;
using BypassNet.Interop;
using BypassNet.Ring;

namespace BypassNet.Engines.Uring;

/// <summary>
/// A single-shot RECV straight into caller memory, pinned until the completion: the degraded receive path for kernels
/// without buffer rings or multishot receive. One per socket; one receive at a time, like the multishot path.
/// </summary>
internal sealed class SingleReceiveOperation : SingleShotOperation
{
    private MemoryHandle _pin;
    private nint _address;
    private int _length;
    private bool _peek;
    private bool _busy;

    public SingleReceiveOperation(IoUringSocketTransport transport)
        : base(transport)
    {
    }

    public unsafe ValueTask<int> Receive(Memory<byte> buffer, bool peek, CancellationToken cancellationToken)
    {
        if (_busy)
        {
            throw new InvalidOperationException("A receive is already pending on this socket; await it before starting another.");
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        _busy = true;
        // The kernel writes here until the completion: pinned until then, whatever the caller does meanwhile.
        _pin = buffer.Pin();
        _address = (nint)_pin.Pointer;
        _length = buffer.Length;
        _peek = peek;
        short version = Begin(cancellationToken, Transport.RunContinuationsAsynchronously);
        Transport.Ring.Loop.Execute(this, RingCommand.Submit);
        return new ValueTask<int>(this, version);
    }

    internal override void Start(RingEventLoop loop)
    {
        if (ShouldNotStart(loop))
        {
            Finish(-Libc.ECANCELED);
            return;
        }

        ref IoUringSqe sqe = ref loop.Submit(this, out ulong userData);
        Sqe.Recv(ref sqe, Transport.Fd, _address, (uint)_length, userData);
        if (_peek)
        {
            sqe.OpFlags |= 0x2; // MSG_PEEK
        }

        Transport.OnSubmitted();
    }

    protected override void Finish(int result)
    {
        EndCancellation();
        _pin.Dispose();
        _pin = default;
        _busy = false;
        if (result >= 0)
        {
            EngineStatistics statistics = Transport.Engine.Statistics;
            statistics.Add(ref statistics.Receives);
            statistics.Add(ref statistics.BytesReceived, result);
            SetResult(result);
        }
        else
        {
            SetError(-result, "a receive");
        }
    }
}
