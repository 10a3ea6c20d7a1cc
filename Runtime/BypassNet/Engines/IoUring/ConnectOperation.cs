using BypassNet.Interop;
using BypassNet.Ring;

namespace BypassNet.Engines.IoUring;

/// <summary>An io_uring CONNECT; the sockaddr lives in native memory until the final completion. The result is 0 or -errno.</summary>
internal sealed class ConnectOperation : CompletionSource
{
    private readonly NativeBuffer _sockaddr;
    private int _result;

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
        if (Transport.IsClosing || loop.IsStopping || CancelRequested)
        {
            Finish(-Libc.ECANCELED);
            return;
        }

        ref IoUringSqe sqe = ref loop.Submit(this, out ulong userData);
        Sqe.Connect(ref sqe, Transport.Fd, _sockaddr.Address, _sockaddr.Length, userData);
        Transport.OnSubmitted();
    }

    internal override bool OnCompletion(RingEventLoop loop, int result, uint flags)
    {
        _result = result;
        return true;
    }

    internal override void OnReleased(RingEventLoop loop)
    {
        Transport.OnReleased();
        Finish(_result);
    }

    public override void Reject(Exception reason) => Finish(-Libc.ECANCELED);

    private void Finish(int result)
    {
        EndCancellation();
        _sockaddr.Dispose();
        SetResult(result);
    }
}
