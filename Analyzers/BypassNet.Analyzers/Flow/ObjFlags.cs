namespace BypassNet.Analyzers.Flow;

/// <summary>
/// What may be true of one abstract owned object on the paths reaching a program point. Joined as a set (bitwise
/// or), so "handed off on some path" survives a merge with a path where it was not.
/// </summary>
[Flags]
internal enum ObjFlags : byte
{
    None = 0,

    /// <summary>Owned by this method and not yet released.</summary>
    Live = 1,

    /// <summary>Passed to a [TakesOwnership] parameter.</summary>
    Moved = 2,

    /// <summary>Disposed explicitly or by a using.</summary>
    Disposed = 4,

    /// <summary>Returned, stored in a field, array, collection or out parameter, or captured: someone else owns it now.</summary>
    Escaped = 8,

    /// <summary>Known to be null on this path (null test, failed TryX call): nothing to release.</summary>
    Null = 16,

    /// <summary>Came from the out argument of a bool TryX call whose result has not been tested yet.</summary>
    Unconfirmed = 32,

    /// <summary>
    /// On a binding seen by a catch or finally handler: handed off inside the try, which may have thrown from the
    /// handing-off call itself. A read is still a use after handoff; an explicit Dispose() is not reported, since
    /// Dispose() after a handoff is a no-op (the same reason the implicit Dispose of a using is not reported).
    /// </summary>
    MovedInTry = 64,

    /// <summary>
    /// A view of it (Span, Memory, a slice) was returned or kept in a field: disposing or handing it off afterwards
    /// leaves that view pointing into a buffer this code no longer owns (BYP004, at the view that escaped).
    /// </summary>
    ViewEscaped = 128,
}
