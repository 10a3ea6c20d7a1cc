using BypassNet.Interop;

namespace BypassNet.Ring;

/// <summary>
/// An operation in flight on a ring. It owns one slot of the ring's <see cref="OperationTable"/> from submission until
/// its final completion, so everything it references (buffers, pinned memory, sockaddrs) stays alive exactly as long as
/// the kernel may touch it. Multishot and zero-copy operations see several completions on the same slot.
/// The lifecycle is the loop's: <see cref="RingEventLoop.Submit(RingOperation)"/> checks stopping, closing and
/// cancellation and counts the operation against its <see cref="Owner"/>; dispatch releases it at its final completion.
/// An operation type only says what to submit (<see cref="Prepare"/>) and what its completions mean.
/// </summary>
internal abstract class RingOperation : RingWork
{
    private volatile bool _cancelRequested;

    protected RingOperation(IRingResident? owner = null) => Owner = owner;

    /// <summary>The resident (socket) this operation is counted against, or null for ring-internal operations.</summary>
    internal IRingResident? Owner { get; }

    /// <summary>Slot in the table while in flight; -1 otherwise.</summary>
    internal int Slot { get; set; } = -1;

    /// <summary>Generation of the slot when this operation took it; a late completion for an older generation is ignored.</summary>
    internal uint Generation { get; set; }

    internal ulong UserData => ((ulong)Generation << 32) | (uint)Slot;

    internal bool InFlight => Slot >= 0;

    /// <summary>True once the caller cancelled; remembered so a request resubmitted later (a short send) is refused.</summary>
    internal bool CancelRequested => _cancelRequested;

    /// <summary>Operation-specific gate, asked first by the submit path: false means "not now" and nothing happens.</summary>
    internal virtual bool ReadyToSubmit(RingEventLoop loop) => true;

    /// <summary>Fills the SQE the loop took for this operation (loop thread).</summary>
    internal abstract void Prepare(ref IoUringSqe sqe, ulong userData);

    /// <summary>The submit path refused the operation (loop stopping, owner closing, cancelled); it did not enter the ring.</summary>
    internal virtual void OnRefused(RingEventLoop loop, SubmitRefusal reason)
    {
    }

    /// <summary>
    /// Handles one completion on the ring thread. Returns true when this was the operation's last completion
    /// (no IORING_CQE_F_MORE); the slot is then released before the next completion is dispatched.
    /// Must not throw: failures are delivered to whoever awaits the operation.
    /// </summary>
    internal abstract bool OnCompletion(RingEventLoop loop, int result, uint flags);

    /// <summary>Called after the slot was released following the final completion; an operation may resubmit itself here.</summary>
    internal virtual void OnReleased(RingEventLoop loop)
    {
    }

    /// <summary>
    /// The operation cannot go on (loop thread): its completion handler threw, or its ring failed
    /// (<see cref="RingEventLoop.Failure"/> is then set). Completes whoever awaits it with <paramref name="error"/>,
    /// once. Frees nothing the kernel may still touch while <see cref="InFlight"/>: after a ring failure the final
    /// completion never comes and that memory stays with the leaked ring.
    /// </summary>
    internal virtual void OnFault(RingEventLoop loop, Exception error)
    {
    }

    /// <summary>Posted work: <see cref="RingCommand.Cancel"/> cancels the operation if in flight; anything else submits it.</summary>
    internal override void Execute(RingEventLoop loop, RingCommand command)
    {
        if (command == RingCommand.Cancel)
        {
            loop.Cancel(this);
        }
        else
        {
            loop.Submit(this);
        }
    }

    /// <summary>Resets the cancellation flag for a new use of a pooled operation.</summary>
    protected void ResetCancellation() => _cancelRequested = false;

    /// <summary>The caller's token fired (any thread): asks <paramref name="loop"/> to cancel; the final completion still releases it.</summary>
    protected void RequestCancel(RingEventLoop loop)
    {
        _cancelRequested = true;
        loop.Post(this, RingCommand.Cancel);
    }
}
