namespace BypassNet.Samples.Resp;

/// <summary>Outcome of INCR / DECR / INCRBY / DECRBY.</summary>
internal enum IncrementResult
{
    Done,
    NotAnInteger,
    Overflow,
}
