using System.Net.Sockets;
using BypassNet.Buffers;
using BypassNet.Diagnostics;
using BypassNet.Interop;
using BypassNet.Ring;
using BypassNet.Sockets;
using Microsoft.Extensions.Logging;

namespace BypassNet.Engines.Uring;

/// <summary>
/// The io_uring engine: one ring and event-loop thread per <see cref="BypassNetOptions.RingCount"/>, one slab of
/// page-aligned memory shared by all of them (send pool first, then one provided-buffer region per ring), and the
/// slab registered with every ring as fixed buffer 0 so any buffer can be sent zero-copy on any ring.
/// </summary>
internal sealed class IoUringSocketEngine : SocketEngine
{
    private readonly RingContext[] _rings;
    private readonly NativeSlab _slab;
    private readonly BufferPool _sendPool;
    private int _next;

    public IoUringSocketEngine(BypassNetOptions options, Capabilities capabilities, ILogger logger)
        : base(options)
    {
        Capabilities = capabilities;
        // Logging from the ring threads and the accept/close paths must never throw into them.
        logger = GuardedLogger.Wrap(logger);
        Logger = logger;
        int page = Environment.SystemPageSize;
        int sendSize = RoundUp(options.SendBufferSize, page);
        int receiveSize = RoundUp(options.ReceiveBufferSize, page);
        nuint sendBytes = (nuint)sendSize * (nuint)options.SendBufferCount;
        nuint receiveBytesPerRing = (nuint)receiveSize * (nuint)options.ReceiveBuffersPerRing;
        _slab = new NativeSlab(sendBytes + receiveBytesPerRing * (nuint)options.RingCount);
        _sendPool = new BufferPool(_slab, ownsSlab: false, 0, sendSize, options.SendBufferCount);
        if (options.PoisonEnabled)
        {
            _sendPool.EnablePoison(logger, "BypassRuntime.Buffers");
        }
        ReceiveBufferSize = receiveSize;

        uint entries = (uint)options.SubmissionQueueEntries;
        _rings = new RingContext[options.RingCount];
        try
        {
            for (int i = 0; i < _rings.Length; i++)
            {
                var context = new RingContext(i);
                nuint receiveOffset = sendBytes + receiveBytesPerRing * (nuint)i;
                var settings = new RingLoopSettings
                {
                    SubmissionEntries = entries,
                    CompletionEntries = entries * 4,
                    SetupFlags = capabilities.SetupFlags,
                    BusyPollMicroseconds = options.BusyPollMicroseconds,
                    OnStarted = loop => Attach(loop, context, receiveOffset, receiveSize),
                    OnFailed = static (loop, failure) => BypassNetMetrics.RecordRingFailure(loop.Index, failure.Errno),
                };
                context.Loop = RingEventLoop.Start(i, settings, logger);
                _rings[i] = context;
                if (context.ReceiveRing is null)
                {
                    // Buffer rings are required (EngineSelector checks the probe); a refusal here falls back to the socket engine.
                    throw new InvalidOperationException($"the kernel refused the provided buffer ring of ring {i}");
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public Capabilities Capabilities { get; }

    public ILogger Logger { get; }

    public int ReceiveBufferSize { get; }

    public override EngineKind Kind => EngineKind.IoUring;

    public override BufferPool Buffers => _sendPool;

    public IReadOnlyList<RingContext> Rings => _rings;

    /// <summary>True when <paramref name="address"/> lies in the slab registered as fixed buffer 0.</summary>
    public bool SlabContains(nint address) => address >= _slab.Address && address < _slab.Address + (nint)_slab.Length;

    /// <summary>True once the slab's memory was freed: after dispose, and only when no ring and no lease holds it any more.</summary>
    internal bool SlabFreed => _slab.IsFreed;

    protected override SocketTransport Create(Socket socket, bool connected)
    {
        RingContext ring = _rings[(int)((uint)Interlocked.Increment(ref _next) % (uint)_rings.Length)];
        return new UringConnection(this, ring, socket, connected);
    }

    /// <summary>Sums the rings' own counters (enter calls, completions, wakeups).</summary>
    public (long Enters, long Submitted, long Completions, long Wakeups) RingTotals()
    {
        long enters = 0, submitted = 0, completions = 0, wakeups = 0;
        foreach (RingContext? ring in _rings)
        {
            if (ring?.Loop is { } loop)
            {
                enters += loop.EnterCalls;
                submitted += loop.SubmittedEntries;
                completions += Volatile.Read(ref loop.Statistics.Completions);
                wakeups += Volatile.Read(ref loop.Statistics.Wakeups);
            }
        }

        return (enters, submitted, completions, wakeups);
    }

    public override void Dispose()
    {
        // Sockets first (each cancels its own operations), then the rings cancel and drain whatever is left.
        CloseAll();
        foreach (RingContext? ring in _rings)
        {
            ring?.Loop?.Dispose();
        }

        // A close that was still waiting for completions finishes now that the rings have drained.
        CloseAll();

        _sendPool.Dispose();
        // The slab is freed when the pool, every ring registration and every lease have let go of it.
        _slab.Dispose();
    }

    private void Attach(RingEventLoop loop, RingContext context, nuint receiveOffset, int receiveSize)
    {
        if (Capabilities.FixedBuffers)
        {
            context.FixedBuffers = RegisteredSlab.TryRegister(loop, _slab);
            if (context.FixedBuffers is not null)
            {
                loop.Attachments.Add(context.FixedBuffers);
            }
        }

        BufferPoison? poison = Options.PoisonEnabled ? new BufferPoison(Logger, $"receive ring {loop.Index}") : null;
        ProvidedBufferRing? ring = ProvidedBufferRing.TryCreate(loop, _slab, receiveOffset, receiveSize, Options.ReceiveBuffersPerRing, group: 0, poison);
        if (ring is not null)
        {
            ring.ReturnListener = context;
            context.SlotsPerRearm = Backpressure.MaxHeldSlotsPerSocket;
            context.ReceiveRing = ring;
            loop.Attachments.Add(ring);
        }
    }

    private static int RoundUp(int value, int page) => checked((value + page - 1) / page * page);
}
