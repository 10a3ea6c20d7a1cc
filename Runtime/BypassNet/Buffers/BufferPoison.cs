using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace BypassNet.Buffers;

/// <summary>
/// Diagnostic poisoning of buffer slots (<see cref="BypassNetOptions.PoisonBuffers"/>, or BYPASSNET_POISON=1): a slot
/// is filled with <see cref="Pattern"/> when it comes back, and the pattern is checked when the slot is handed out
/// again, so a write through a stale raw pointer or span after the return — which no handle check can see — is
/// reported on reuse instead of silently corrupting the next owner's data.
/// </summary>
/// <remarks>
/// Pool slots are checked whole on rent. Provided-ring slots are different: the kernel writes the received bytes
/// into the slot before the program sees it, so only the bytes beyond the received length can be checked when the
/// completion takes the slot. A stale write that lands inside the received range is overwritten by the kernel (harmless
/// to the new data) or, if it lands after the kernel's write, is indistinguishable from data; it is not detectable.
/// </remarks>
internal sealed unsafe class BufferPoison
{
    /// <summary>The environment variable that turns poisoning on for every runtime and pool (<c>1</c>).</summary>
    public const string EnvironmentVariable = "BYPASSNET_POISON";

    /// <summary>The fill byte: not zero (fresh memory), not a common payload byte.</summary>
    public const byte Pattern = 0xDB;

    private readonly ILogger _logger;
    private readonly string _owner;
    private long _detected;

    public BufferPoison(ILogger logger, string owner)
    {
        _logger = logger;
        _owner = owner;
    }

    /// <summary>True when <see cref="EnvironmentVariable"/> is set to 1 (or true).</summary>
    public static bool EnabledByEnvironment =>
        Environment.GetEnvironmentVariable(EnvironmentVariable)?.Trim() is "1" or "true" or "TRUE" or "True";

    /// <summary>Corruptions found so far (a figure for tests and drills).</summary>
    public long Detected => Interlocked.Read(ref _detected);

    /// <summary>Fills <paramref name="length"/> bytes at <paramref name="address"/> with the pattern.</summary>
    public static void Fill(byte* address, int length) => NativeMemory.Fill(address, (nuint)length, Pattern);

    /// <summary>
    /// Checks that bytes [<paramref name="from"/>, <paramref name="length"/>) of slot <paramref name="slot"/> still hold
    /// the pattern. Returns the exception to throw (already logged, slot re-poisoned) or null when intact.
    /// </summary>
    public BufferCorruptionException? Verify(int slot, byte* address, int from, int length)
    {
        var span = new ReadOnlySpan<byte>(address + from, length - from);
        int bad = span.IndexOfAnyExcept(Pattern);
        if (bad < 0)
        {
            return null;
        }

        int offset = from + bad;
        int last = from + span.LastIndexOfAnyExcept(Pattern);
        byte found = address[offset];
        Interlocked.Increment(ref _detected);
        Fill(address + from, length - from);
        var error = new BufferCorruptionException(_owner, slot, offset, found);
        Diagnostics.Log.BufferCorrupted(_logger, _owner, slot, offset, last, found);
        return error;
    }
}
