namespace BypassNet.Ring;

/// <summary>Work that must run on a ring's own thread (it writes SQEs). Other threads post it; the ring thread runs it.</summary>
internal abstract class RingWork
{
    /// <summary>Runs on the ring thread. <paramref name="command"/> says what was asked (see <see cref="RingCommand"/>).</summary>
    internal abstract void Execute(RingEventLoop loop, RingCommand command);
}

/// <summary>What a posted <see cref="RingWork"/> is asked to do.</summary>
internal enum RingCommand
{
    Submit,
    Cancel,
    Custom,
}
