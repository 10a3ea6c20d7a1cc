namespace BypassNet;

/// <summary>
/// An optional io_uring feature the runtime runs without, and why: the kernel lacks it, the kernel refused it (for
/// example a registration beyond RLIMIT_MEMLOCK), or <see cref="BypassNetOptions.DisabledFeatures"/> turned it off.
/// The runtime stays correct; it only loses the speed the feature gives. Listed by <see cref="BypassRuntime.Degradations"/>.
/// </summary>
/// <param name="Feature">The feature, as named by <see cref="IoUringFeatures"/> (for example <c>FixedBuffers</c>).</param>
/// <param name="Reason">The cause and its consequence, in words (kernel version, errno, memlock limit, option).</param>
public sealed record Degradation(string Feature, string Reason);
