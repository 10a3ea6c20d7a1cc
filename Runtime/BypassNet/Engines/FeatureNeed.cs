namespace BypassNet.Engines;

/// <summary>How much the io_uring engine depends on a kernel feature.</summary>
internal enum FeatureNeed
{
    /// <summary>Without it the engine cannot be correct: the runtime uses the socket engine and says why.</summary>
    Required,

    /// <summary>Without it the engine is correct but slower: the runtime lists a <see cref="Degradation"/>.</summary>
    Optional,

    /// <summary>Probed and reported, but nothing uses it yet: its absence changes nothing.</summary>
    Unused,
}
