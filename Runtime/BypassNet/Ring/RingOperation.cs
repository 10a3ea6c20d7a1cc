namespace BypassNet.Ring;

/// <summary>
/// An operation in flight on a ring. It owns one slot of the ring's <see cref="OperationTable"/> from submission until
/// its final completion, so everything it references (buffers, pinned memory, sockaddrs) stays alive exactly as long as
/// the kernel may touch it. Multishot and zero-copy operations see several completions on the same slot.
/// </summary>
internal abstract class RingOperation : RingWork
{
    /// <summary>Slot in the table while in flight; -1 otherwise.</summary>
    internal int Slot { get; set; } = -1;

    /// <summary>Generation of the slot when this operation took it; a late completion for an older generation is ignored.</summary>
    internal uint Generation { get; set; }

    internal ulong UserData => ((ulong)Generation << 32) | (uint)Slot;

    internal bool InFlight => Slot >= 0;

    /// <summary>
    /// Handles one completion on the ring thread. Returns true when this was the operation's last completion
    /// (no IORING_CQE_F_MORE); the slot is then released before the next completion is dispatched.
    /// Must not throw: failures are delivered to whoever awaits the operation.
    /// </summary>
    internal abstract bool OnCompletion(RingEventLoop loop, int result, uint flags);

    /// <summary>Posted work: <see cref="RingCommand.Cancel"/> cancels the operation if in flight; anything else starts it.</summary>
    internal override void Execute(RingEventLoop loop, RingCommand command)
    {
        if (command == RingCommand.Cancel)
        {
            loop.Cancel(this);
        }
        else
        {
            Start(loop);
        }
    }

    /// <summary>Writes the operation's SQE(s) on the loop thread.</summary>
    internal virtual void Start(RingEventLoop loop) => throw new NotSupportedException($"{GetType().Name} cannot be posted.");

    /// <summary>Called after the slot was released following the final completion; an operation may resubmit itself here.</summary>
    internal virtual void OnReleased(RingEventLoop loop)
    {
    }
}
