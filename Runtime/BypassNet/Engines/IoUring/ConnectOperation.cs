using System.Threading.Tasks.Sources;
using BypassNet.Interop;
using BypassNet.Ring;

namespace BypassNet.Engines.IoUring;

/// <summary>An io_uring CONNECT; the sockaddr lives in native memory until the final completion.</summary>
internal sealed class ConnectOperation : RingOperation, IValueTaskSource<int>, IRejectable
{
    private static readonly Action<object?> s_cancel = static state =>
    {
        var operation = (ConnectOperation)state!;
        operation._transport.Ring.Loop.Post(operation, RingCommand.Cancel);
    };

    private readonly IoUringSocketTransport _transport;
    private readonly NativeBuffer _sockaddr;
    private ManualResetValueTaskSourceCore<int> _core;
    private CancellationTokenRegistration _registration;
    private int _result;

    public ConnectOperation(IoUringSocketTransport transport, ReadOnlySpan<byte> sockaddr)
    {
        _transport = transport;
        _sockaddr = new NativeBuffer(sockaddr);
        _core.RunContinuationsAsynchronously = true;
    }

    /// <summary>Connects; the result is 0 or -errno.</summary>
    public ValueTask<int> Run(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(s_cancel, this);
        }

        _transport.Ring.Loop.Execute(this, RingCommand.Submit);
        return new ValueTask<int>(this, _core.Version);
    }

    internal override void Start(RingEventLoop loop)
    {
        if (_transport.IsClosing || loop.IsStopping)
        {
            Finish(-Libc.ECANCELED);
            return;
        }

        ref IoUringSqe sqe = ref loop.Submit(this, out ulong userData);
        Sqe.Connect(ref sqe, _transport.Fd, _sockaddr.Address, _sockaddr.Length, userData);
        _transport.OnSubmitted();
    }

    internal override bool OnCompletion(RingEventLoop loop, int result, uint flags)
    {
        _result = result;
        return true;
    }

    internal override void OnReleased(RingEventLoop loop)
    {
        _transport.OnReleased();
        Finish(_result);
    }

    /// <summary>The ring stopped before this operation reached it.</summary>
    public void Reject(Exception reason) => Finish(-Libc.ECANCELED);

    int IValueTaskSource<int>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void Finish(int result)
    {
        _registration.Unregister();
        _sockaddr.Dispose();
        _core.SetResult(result);
    }
}
