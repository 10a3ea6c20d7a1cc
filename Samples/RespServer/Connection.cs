using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace BypassNet.Samples.Resp;

/// <summary>
/// One client. The loop receives owned buffers and parses commands straight out of them; replies of everything parsed
/// from one receive are batched and sent before the next receive (or sooner, when they pass <see cref="FlushThreshold"/>).
/// A command cut by the end of a received buffer has its tail copied into a per-connection scratch array and is
/// completed there from the next buffer(s), taking only the bytes it needs; the commands after it are again parsed in
/// place. So received buffers (ring slots, a shared and limited resource) are always given back at once, and a value
/// of up to 512 MB is assembled in one array sized from its header. A turn runs at most <see cref="TurnBudget"/>
/// commands before the connection yields, so a client that pipelines without pause cannot hold up the others.
/// </summary>
/// <remarks>
/// With <see cref="BypassNetOptions.InlineContinuations"/> this code runs on the ring thread: nothing here blocks
/// (the store lock is held only for a lookup and a copy, the writer never waits for the pool).
/// </remarks>
internal sealed class Connection
{
    /// <summary>Replies buffered beyond this are sent before parsing further (bounds memory per connection).</summary>
    private const int FlushThreshold = 256 * 1024;

    /// <summary>Scratch arrays up to this size come from and go back to the shared ArrayPool; larger ones are one-offs.</summary>
    private const int PooledScratchLimit = 1024 * 1024;

    private const int InitialScratch = 16 * 1024;

    /// <summary>
    /// Commands one connection runs in a turn (since its last wait for input) before it lets the others go first: a
    /// client that pipelines without pause (a flood, or a peer that never reads its replies) then costs the others at
    /// most this much per turn, not whole buffers of commands each.
    /// </summary>
    private const int TurnBudget = 128;

    /// <summary>Bytes moved into scratch at least per step while completing a command there (headers give no length).</summary>
    private const int MinimumAppend = 4096;

    private static readonly TimeSpan LingerTimeout = TimeSpan.FromSeconds(2);

    private readonly BypassSocket _socket;
    private readonly RespParser _parser = new();
    private readonly RespWriter _writer;
    private readonly CommandDispatcher _dispatcher;
    private readonly ILogger _logger;
    private byte[]? _scratch;
    private int _scratchStart;
    private int _scratchEnd;
    private int _turnCommands;

    public Connection(BypassSocket socket, CommandDispatcher dispatcher, ILogger logger)
    {
        _socket = socket;
        _dispatcher = dispatcher;
        _logger = logger;
        _writer = new RespWriter(socket.Buffers);
    }

    private enum Step
    {
        /// <summary>The command waiting in scratch is done: go on with the received buffer.</summary>
        Continue,

        /// <summary>All input used (or the rest is an incomplete command): receive more.</summary>
        NeedMore,

        /// <summary>Too many replies buffered: send them, then continue with the same input.</summary>
        Flush,

        /// <summary>QUIT or a framing error: send what is buffered and close.</summary>
        Close,

        /// <summary>This turn's budget is used: send what is buffered, let others run, then continue with the same input.</summary>
        Yield,
    }

    /// <summary>Closes the socket, ending <see cref="RunAsync"/> (server shutdown).</summary>
    public void Abort() => _socket.Dispose();

    /// <summary>
    /// Serves the connection until the peer leaves, sends QUIT or breaks the framing, or <see cref="Abort"/> closes the
    /// socket. It takes no token on purpose: closing the socket already ends a pending receive or send, and a token
    /// that can fire would cost a cancellation registration on every receive and every send.
    /// </summary>
    public async Task RunAsync()
    {
        try
        {
            while (true)
            {
                ValueTask<OwnedBuffer> receiving = _socket.ReceiveAsync();
                if (!receiving.IsCompleted)
                {
                    // This connection waits for its client: when the input comes, a new turn begins.
                    _turnCommands = 0;
                }

                OwnedBuffer input = await receiving.ConfigureAwait(false);
                if (input.Length == 0)
                {
                    input.Dispose();
                    break;
                }

                Step step = await ProcessReceivedAsync(input).ConfigureAwait(false);
                await _writer.FlushAsync(_socket, CancellationToken.None).ConfigureAwait(false);
                if (step == Step.Close)
                {
                    // The last reply must reach the kernel before the half-close.
                    await _writer.DrainAsync().ConfigureAwait(false);
                    await LingerAsync().ConfigureAwait(false);
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer reset, or the server is stopping: nothing to tell anyone.
        }
        catch (Exception ex)
        {
            // A bug must cost one connection, not the server.
            _logger.LogError(ex, "Connection failed; closing it.");
        }
        finally
        {
            await DrainQuietlyAsync().ConfigureAwait(false);
            _writer.Dispose();
            ReleaseScratch();
            await _socket.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs the commands in a received buffer: first completes a command left incomplete by the previous one (from
    /// scratch), then parses straight from the buffer; an incomplete command at its end is copied to scratch.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Step> ProcessReceivedAsync([TakesOwnership] OwnedBuffer input)
    {
        try
        {
            int offset = 0;
            while (true)
            {
                Step step = _scratchEnd > _scratchStart ? CompleteFromScratch(input.Span, ref offset) : Process(input.Span, ref offset);
                switch (step)
                {
                    case Step.Continue:
                        continue;
                    case Step.Flush:
                        await _writer.FlushAsync(_socket, CancellationToken.None).ConfigureAwait(false);
                        continue;
                    case Step.Yield:
                        // On a ring thread the rest of this input then runs on the thread pool, while the ring goes on
                        // serving other connections; elsewhere it queues behind their work.
                        await _writer.FlushAsync(_socket, CancellationToken.None).ConfigureAwait(false);
                        await Task.Yield();
                        _turnCommands = 0;
                        continue;
                    case Step.NeedMore when offset < input.Length:
                        AppendToScratch(input.Span[offset..]);
                        break;
                }

                return step;
            }
        }
        finally
        {
            input.Dispose();
        }
    }

    /// <summary>
    /// Feeds the command waiting in scratch from <paramref name="input"/>, only as many bytes as the parser says it
    /// needs, so once it completes the rest of the input is parsed in place rather than copied.
    /// </summary>
    private Step CompleteFromScratch(ReadOnlySpan<byte> input, ref int offset)
    {
        // Bytes of the waiting command that arrived before this input.
        int head = _scratchEnd - _scratchStart;
        while (true)
        {
            int wanted = Math.Max(_parser.NeededBytes - (_scratchEnd - _scratchStart), MinimumAppend);
            int n = Math.Min(wanted, input.Length - offset);
            AppendToScratch(input.Slice(offset, n));
            offset += n;
            ReadOnlySpan<byte> pending = _scratch.AsSpan(_scratchStart, _scratchEnd - _scratchStart);
            ParseStatus status = _parser.Parse(pending, out int consumed);
            switch (status)
            {
                case ParseStatus.Complete:
                case ParseStatus.Empty:
                    bool keepOpen = status == ParseStatus.Empty || _dispatcher.Execute(new Command(pending, _parser.Arguments), _writer);
                    _parser.Reset();
                    // The command ended this far into the input; the rest is parsed straight from the received buffer.
                    offset = consumed - head;
                    ClearScratch();
                    return keepOpen ? Step.Continue : Step.Close;
                case ParseStatus.Incomplete:
                    if (offset == input.Length)
                    {
                        return Step.NeedMore;
                    }

                    break;
                default:
                    _parser.WriteError(_writer);
                    return Step.Close;
            }
        }
    }

    /// <summary>Runs the commands in <paramref name="data"/> from <paramref name="offset"/> on, advancing it past each one done.</summary>
    private Step Process(ReadOnlySpan<byte> data, ref int offset)
    {
        while (offset < data.Length)
        {
            if (_writer.BufferedBytes >= FlushThreshold)
            {
                return Step.Flush;
            }

            if (_turnCommands >= TurnBudget)
            {
                return Step.Yield;
            }

            ReadOnlySpan<byte> rest = data[offset..];
            switch (_parser.Parse(rest, out int consumed))
            {
                case ParseStatus.Complete:
                    bool keepOpen = _dispatcher.Execute(new Command(rest, _parser.Arguments), _writer);
                    _parser.Reset();
                    offset += consumed;
                    _turnCommands++;
                    if (!keepOpen)
                    {
                        return Step.Close;
                    }

                    break;
                case ParseStatus.Empty:
                    _parser.Reset();
                    offset += consumed;
                    break;
                case ParseStatus.Incomplete:
                    return Step.NeedMore;
                default:
                    _parser.WriteError(_writer);
                    return Step.Close;
            }
        }

        return Step.NeedMore;
    }

    /// <summary>Appends to the unparsed tail, growing the scratch array straight to the size the parser says it needs.</summary>
    private void AppendToScratch(ReadOnlySpan<byte> data)
    {
        int live = _scratchEnd - _scratchStart;
        long required = (long)live + data.Length;
        if (_scratch is null || required > _scratch.Length)
        {
            long wanted = Math.Max(required, Math.Max(_parser.NeededBytes, (long)(_scratch?.Length ?? InitialScratch / 2) * 2));
            int size = (int)Math.Min(wanted, Array.MaxLength);
            byte[] grown = size <= PooledScratchLimit ? ArrayPool<byte>.Shared.Rent(size) : GC.AllocateUninitializedArray<byte>(size);
            _scratch.AsSpan(_scratchStart, live).CopyTo(grown);
            ReleaseScratch();
            _scratch = grown;
            _scratchStart = 0;
            _scratchEnd = live;
        }
        else if (_scratch.Length - _scratchEnd < data.Length)
        {
            // The parser's offsets are relative to the command start, so moving the tail to the front is safe.
            _scratch.AsSpan(_scratchStart, live).CopyTo(_scratch);
            _scratchStart = 0;
            _scratchEnd = live;
        }

        data.CopyTo(_scratch.AsSpan(_scratchEnd));
        _scratchEnd += data.Length;
    }

    private void ClearScratch()
    {
        _scratchStart = _scratchEnd = 0;
        if (_scratch!.Length > InitialScratch * 4)
        {
            // Done with a big command: give its memory back rather than keep it per connection.
            ReleaseScratch();
        }
    }

    private void ReleaseScratch()
    {
        if (_scratch is not null && _scratch.Length <= PooledScratchLimit)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
        }

        _scratch = null;
        _scratchStart = _scratchEnd = 0;
    }

    /// <summary>Waits for the reply still in flight when the loop ends; a failure there is the peer leaving, already handled.</summary>
    private async ValueTask DrainQuietlyAsync()
    {
        try
        {
            await _writer.DrainAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection is closing anyway.
        }
    }

    /// <summary>
    /// After the last reply: half-close, then read and drop whatever the client still sends until it closes (or a
    /// timeout). Closing with unread input would make the kernel send a reset, which can destroy the reply in flight.
    /// </summary>
    private async ValueTask LingerAsync()
    {
        _socket.Shutdown(SocketShutdown.Send);
        using var timeout = new CancellationTokenSource(LingerTimeout);
        try
        {
            while (true)
            {
                using OwnedBuffer discarded = await _socket.ReceiveAsync(timeout.Token).ConfigureAwait(false);
                if (discarded.Length == 0)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The client kept the connection open: close it anyway.
        }
    }
}
