using BypassNet.Buffers;
using BypassNet.Interop;
using BypassNet.Ring;

namespace BypassNet.Engines.Uring;

/// <summary>
/// The one multishot RECV of a socket. Each completion names the provided-ring slot the kernel filled. When the kernel
/// ends the request (no F_MORE) it is re-armed, except after end-of-stream, an error, a close, a pause (the socket has
/// queued enough) or ENOBUFS (re-armed once slots come back).
/// </summary>
internal sealed class MultishotReceiveOperation : RingOperation
{
    private readonly IoUringSocketTransport _transport;
    private bool _ended;
    private bool _starved;

    public MultishotReceiveOperation(IoUringSocketTransport transport) => _transport = transport;

    internal override void Start(RingEventLoop loop)
    {
        if (InFlight || _ended || _transport.IsClosing || _transport.ReceivePaused)
        {
            return;
        }

        if (loop.IsStopping)
        {
            _ended = true;
            _transport.OnRingStopped();
            return;
        }

        ProvidedBufferRing ring = _transport.Ring.ReceiveRing!;
        ref IoUringSqe sqe = ref loop.Submit(this, out ulong userData);
        Sqe.RecvMultishot(ref sqe, _transport.Fd, ring.Group, userData);
        _transport.OnSubmitted();
    }

    internal override bool OnCompletion(RingEventLoop loop, int result, uint flags)
    {
        ProvidedBufferRing ring = _transport.Ring.ReceiveRing!;
        bool hasBuffer = (flags & IoUringConstants.CqeFBuffer) != 0;
        int bid = (int)(flags >> IoUringConstants.CqeBufferShift);
        if (result > 0 && hasBuffer)
        {
            ring.Take(bid);
            if (ring.CheckPoison(bid, result) is { } corruption)
            {
                // Poisoning found a write after return in this slot: the stream can no longer be trusted.
                ring.Return(bid);
                _ended = true;
                _transport.OnReceiveCorrupted(corruption);
                loop.Cancel(this);
            }
            else
            {
                _transport.OnData(ring, bid, result);
            }
        }
        else
        {
            if (hasBuffer)
            {
                // No bytes in it: straight back.
                ring.Take(bid);
                ring.Return(bid);
            }

            switch (-result)
            {
                case 0:
                    _ended = true;
                    _transport.OnEndOfStream();
                    break;
                case Libc.ENOBUFS:
                    _starved = true;
                    _transport.Engine.Statistics.Add(ref _transport.Engine.Statistics.BufferStarvations);
                    break;
                case Libc.ECANCELED when loop.IsStopping:
                    _ended = true;
                    _transport.OnRingStopped();
                    break;
                case Libc.ECANCELED:
                    break;
                default:
                    _ended = true;
                    _transport.OnReceiveError(-result);
                    break;
            }
        }

        return (flags & IoUringConstants.CqeFMore) == 0;
    }

    internal override void OnReleased(RingEventLoop loop)
    {
        _transport.OnReleased();
        if (_ended || _transport.IsClosing)
        {
            return;
        }

        if (_starved)
        {
            _starved = false;
            _transport.Engine.Statistics.Add(ref _transport.Engine.Statistics.ReceiveRearms);
            _transport.Ring.AddStarved(_transport);
            return;
        }

        if (!_transport.ReceivePaused)
        {
            Start(loop);
        }
    }
}
