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
    private readonly UringConnection _connection;
    private readonly UringReceiver _receiver;
    private bool _ended;
    private bool _starved;

    public MultishotReceiveOperation(UringConnection connection, UringReceiver receiver)
        : base(connection)
    {
        _connection = connection;
        _receiver = receiver;
    }

    internal override bool ReadyToSubmit(RingEventLoop loop) => !_ended && !_receiver.Paused;

    internal override void Prepare(ref IoUringSqe sqe, ulong userData) =>
        Sqe.RecvMultishot(ref sqe, _connection.Fd, _connection.Ring.ReceiveRing.Group, userData);

    internal override void OnRefused(RingEventLoop loop, SubmitRefusal reason)
    {
        if (reason == SubmitRefusal.Stopping)
        {
            _ended = true;
            _connection.OnRingStopped();
        }
    }

    internal override bool OnCompletion(RingEventLoop loop, int result, uint flags)
    {
        ProvidedBufferRing ring = _connection.Ring.ReceiveRing;
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
                _receiver.OnCorrupted(corruption);
                loop.Cancel(this);
            }
            else
            {
                _receiver.OnData(ring, bid, result);
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
                    _receiver.OnEndOfStream();
                    _connection.Ring.OnReceiveEnded();
                    break;
                case Libc.ENOBUFS:
                    _starved = true;
                    _connection.Statistics.Add(ref _connection.Statistics.BufferStarvations);
                    break;
                case Libc.ECANCELED when loop.IsStopping:
                    _ended = true;
                    _connection.OnRingStopped();
                    break;
                case Libc.ECANCELED:
                    break;
                default:
                    _ended = true;
                    _receiver.OnError(-result);
                    _connection.Ring.OnReceiveEnded();
                    break;
            }
        }

        // Slots other threads returned since the last completion go back now, without a wake-up of their own.
        ring.DrainDeferredReturns();
        return (flags & IoUringConstants.CqeFMore) == 0;
    }

    /// <summary>The handler threw or the ring failed: receiving has ended and every receive from now on fails with <paramref name="error"/>.</summary>
    internal override void OnFault(RingEventLoop loop, Exception error)
    {
        _ended = true;
        _receiver.OnCorrupted(error);
    }

    internal override void OnReleased(RingEventLoop loop)
    {
        if (_ended || _connection.IsClosingOrStopping)
        {
            return;
        }

        if (_starved)
        {
            _starved = false;
            _connection.Statistics.Add(ref _connection.Statistics.ReceiveRearms);
            // FIFO, re-armed by the ring's next pass once slots are free (see RingContext for why it always is).
            _connection.Ring.AddStarved(_receiver);
            return;
        }

        loop.Submit(this);
    }
}
