using BypassNet.Interop;
using BypassNet.Ring;

namespace BypassNet.Engines.Uring;

/// <summary>An io_uring CONNECT; the sockaddr lives in native memory until the final completion. The result is 0 or -errno.</summary>
internal sealed class ConnectOperation : CompletionSource
{
    private readonly NativeBuffer _sockaddr;
    private int _result;

    public ConnectOperation(UringConnection connection, ReadOnlySpan<byte> sockaddr)
        : base(connection) => _sockaddr = new NativeBuffer(sockaddr);

    public ValueTask<int> Run(CancellationToken cancellationToken)
    {
        short version = Begin(cancellationToken, runContinuationsAsynchronously: true);
        Connection.Loop.Execute(this, RingCommand.Submit);
        return new ValueTask<int>(this, version);
    }

    internal override void Prepare(ref IoUringSqe sqe, ulong userData) =>
        Sqe.Connect(ref sqe, Connection.Fd, _sockaddr.Address, _sockaddr.Length, userData);

    internal override void OnRefused(RingEventLoop loop, SubmitRefusal reason) => Finish(-Libc.ECANCELED);

    internal override bool OnCompletion(RingEventLoop loop, int result, uint flags)
    {
        _result = result;
        return true;
    }

    internal override void OnReleased(RingEventLoop loop) => Finish(_result);

    public override void Reject() => Finish(-Libc.ECANCELED);

    private void Finish(int result)
    {
        EndCancellation();
        _sockaddr.Dispose();
        SetResult(result);
    }
}
