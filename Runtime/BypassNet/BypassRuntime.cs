using BypassNet.Engines;
using BypassNet.Engines.Uring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BypassNet;

/// <summary>
/// The engine, rings and buffers that <see cref="BypassSocket"/>s run on. Most applications use <see cref="Shared"/>;
/// create your own to choose options per component. Disposing it stops its rings after every operation in flight has
/// completed, then frees their memory.
/// </summary>
/// <remarks>
/// What the runtime runs on is visible without configuring anything: <see cref="Engine"/>, <see cref="FallbackReason"/>
/// and <see cref="Degradations"/>; the EventSource "BypassNet" (dotnet-trace) and the meter "BypassNet"
/// (dotnet-counters: <c>bypassnet.runtimes</c> by engine, <c>bypassnet.runtimes.degraded</c> by feature,
/// <c>bypassnet.ring.faults</c>). Nothing is written to the console.
/// </remarks>
public sealed class BypassRuntime : IDisposable, IAsyncDisposable
{
    private static readonly Lock s_sharedLock = new();
    private static BypassNetOptions? s_sharedOptions;
    private static BypassRuntime? s_shared;

    private readonly SocketEngine _engine;
    private int _disposed;

    private BypassRuntime(BypassNetOptions options)
    {
        options.Validate();
        Options = options;
        ILoggerFactory factory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        Logger = factory.CreateLogger("BypassNet");
        _engine = EngineSelector.Create(options, Logger, out string? reason, out IReadOnlyList<Degradation> degradations);
        FallbackReason = reason;
        Degradations = degradations;
        BypassNetMetrics.Track(this);
    }

    /// <summary>The process-wide runtime, created on first use with the options given to <see cref="ConfigureShared"/> (or defaults).</summary>
    public static BypassRuntime Shared
    {
        get
        {
            lock (s_sharedLock)
            {
                return s_shared ??= new BypassRuntime((s_sharedOptions ?? new BypassNetOptions()).Clone());
            }
        }
    }

    /// <summary>Sets the options of <see cref="Shared"/>. Call before the first socket is created.</summary>
    /// <exception cref="InvalidOperationException">The shared runtime already exists.</exception>
    public static void ConfigureShared(BypassNetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (s_sharedLock)
        {
            if (s_shared is not null)
            {
                throw new InvalidOperationException("BypassRuntime.Shared is already in use; configure it before creating the first BypassSocket.");
            }

            s_sharedOptions = options.Clone();
        }
    }

    /// <summary>Creates a runtime with its own rings and buffers.</summary>
    /// <exception cref="PlatformNotSupportedException">
    /// <see cref="BypassNetOptions.Engine"/> (or <c>BYPASSNET_ENGINE=iouring</c>) asks for io_uring and it cannot be
    /// used; the message says why (kernel version, missing feature, seccomp, memlock limit, sysctl).
    /// </exception>
    public static BypassRuntime Create(BypassNetOptions? options = null) => new((options ?? new BypassNetOptions()).Clone());

    /// <summary>The engine in use: <see cref="EngineKind.IoUring"/> or <see cref="EngineKind.Socket"/>, never <see cref="EngineKind.Auto"/>.</summary>
    public EngineKind Engine => _engine.Kind;

    /// <summary>Why the socket engine is in use (forced, or what io_uring lacked); null on io_uring.</summary>
    public string? FallbackReason { get; }

    /// <summary>
    /// Optional io_uring features this runtime runs without, each with its cause (kernel, memlock limit, option);
    /// empty on the socket engine and on a kernel that has everything.
    /// </summary>
    public IReadOnlyList<Degradation> Degradations { get; }

    /// <summary>What the kernel's io_uring offers (after disabled features), or null on the socket engine.</summary>
    public Capabilities? Capabilities => (_engine as IoUringSocketEngine)?.Capabilities;

    /// <summary>The pool to rent send buffers from; registered with the rings on io_uring.</summary>
    public BufferPool Buffers => _engine.Buffers;

    /// <summary>A copy of the options this runtime was created with.</summary>
    public BypassNetOptions Options { get; }

    internal ILogger Logger { get; }

    internal SocketEngine EngineImpl
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _engine;
        }
    }

    /// <summary>A snapshot of what this runtime has done so far.</summary>
    public BypassStatistics GetStatistics()
    {
        EngineCounters s = _engine.Statistics.Sum();
        (long enters, long submitted, long completions, long wakeups) = _engine is IoUringSocketEngine io ? io.RingTotals() : default;
        return new BypassStatistics(
            Interlocked.Read(ref s.Sends),
            Interlocked.Read(ref s.ZeroCopySends),
            Interlocked.Read(ref s.ZeroCopyCopied),
            Interlocked.Read(ref s.Receives),
            Interlocked.Read(ref s.BytesSent),
            Interlocked.Read(ref s.BytesReceived),
            Interlocked.Read(ref s.BufferStarvations),
            Interlocked.Read(ref s.Accepts),
            enters,
            submitted,
            completions,
            wakeups);
    }

    /// <summary>Stops the rings (cancelling and draining every operation in flight) and frees their memory.</summary>
    public void Dispose()
    {
        if (BeginDispose())
        {
            _engine.Dispose();
        }
    }

    /// <summary>
    /// Like <see cref="Dispose"/>, without blocking the caller: sockets are closed first, then every ring cancels and
    /// drains on its own thread at the same time, so a runtime with many rings stops in the time of its slowest ring.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!BeginDispose())
        {
            return;
        }

        if (_engine is IoUringSocketEngine io)
        {
            io.CloseAll();
            var drains = new List<Task>(io.Rings.Count);
            foreach (RingContext ring in io.Rings)
            {
                if (ring?.Loop is { } loop)
                {
                    // Dispose blocks until the loop's thread has drained: one pool thread per ring, all at once.
                    drains.Add(Task.Factory.StartNew(loop.Dispose, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
                }
            }

            await Task.WhenAll(drains).ConfigureAwait(false);
        }

        // The rings have stopped: what is left (closes that waited for completions, the pool, the slab) is quick.
        await Task.Run(_engine.Dispose).ConfigureAwait(false);
    }

    private bool BeginDispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return false;
        }

        BypassNetMetrics.Untrack(this);
        lock (s_sharedLock)
        {
            if (ReferenceEquals(s_shared, this))
            {
                s_shared = null;
            }
        }

        return true;
    }
}
