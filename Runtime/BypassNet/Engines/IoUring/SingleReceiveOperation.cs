using System.Buffers;
using System.Threading.Tasks.Sources;
using BypassNet.Interop;
using BypassNet.Ring;
using BypassNet.Sockets;

namespace BypassNet.Engines.IoUring;

/// <summary>
/// A single-shot RECV straight into caller memory, pinned until the completion: the degraded receive path for kernels
/// without buffer rings or multishot receive. One per socket; one receive at a time, like the multishot path.
/// </summary>
internal sealed class SingleReceiveOperation : RingOperation, IValueTaskSource<int>, IRejectable
{
    private static readonly Action<object?> s_cancel = static state =>
    {
        var operation = (SingleReceiveOperation)state!;
        operation._transport.Ring.Loop.Post(operation, RingCommand.Cancel);
    };

    private readonly IoUringSocketTransport _transport;
    private ManualResetValueTaskSourceCore<int> _core;
    private MemoryHandle _pin;
    private nint _address;
    private int _length;
    private bool _peek;
    private bool _busy;
    private int _result;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;

    public SingleReceiveOperation(IoUringSocketTransport transport) => _transport = transport;

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
        _core.Reset();
        _core.RunContinuationsAsynchronously = _transport.RunContinuationsAsynchronously;
        // The kernel writes here until the completion: pinned until then, whatever the caller does meanwhile.
        _pin = buffer.Pin();
        _address = (nint)_pin.Pointer;
        _length = buffer.Length;
        _peek = peek;
        _token = cancellationToken;
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
        Sqe.Recv(ref sqe, _transport.Fd, _address, (uint)_length, userData);
        if (_peek)
        {
            sqe.OpFlags |= 0x2; // MSG_PEEK
        }

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
        _pin.Dispose();
        _pin = default;
        _busy = false;
        if (result >= 0)
        {
            _transport.Engine.Statistics.Add(ref _transport.Engine.Statistics.Receives);
            _transport.Engine.Statistics.Add(ref _transport.Engine.Statistics.BytesReceived, result);
            _core.SetResult(result);
        }
        else if (result == -Libc.ECANCELED && (_transport.IsClosing || _transport.Ring.Loop.IsStopping))
        {
            _core.SetException(_transport.Disposed("a receive"));
        }
        else if (result == -Libc.ECANCELED && _token.IsCancellationRequested)
        {
            _core.SetException(new OperationCanceledException(_token));
        }
        else
        {
            _core.SetException(SocketErrors.Exception(-result));
        }
    }
}
