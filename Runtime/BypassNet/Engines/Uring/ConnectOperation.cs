using BypassNet.Interop;
using BypassNet.Ring;

namespace BypassNet.Engines.Uring;

/// <summary>An io_uring CONNECT; the sockaddr lives in native memory until the final completion. The result is 0 or -errno.</summary>
internal sealed class ConnectOperation : SingleShotOperation
{
    private readonly NativeBuffer _sockaddr;

    public ConnectOperation(IoUringSocketTransport transport, ReadOnlySpan<byte> sockaddr)
        : base(transport) => _sockaddr = new NativeBuffer(sockaddr);

    public ValueTask<int> Run(CancellationToken cancellationToken)
    {
        short version = Begin(cancellationToken, runContinuationsAsynchronously: true);
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
        Sqe.Connect(ref sqe, Transport.Fd, _sockaddr.Address, _sockaddr.Length, userData);
        Transport.OnSubmitted();
    }

    protected override void Finish(int result)
    {
        EndCancellation();
        _sockaddr.Dispose();
        SetResult(result);
    }
}
