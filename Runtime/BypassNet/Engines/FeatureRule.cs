namespace BypassNet.Engines;

/// <summary>One row of the kernel policy: a feature, the kernel that brought it, how much it is needed, and what happens without it.</summary>
/// <param name="Feature">The feature.</param>
/// <param name="What">The kernel interface, as the kernel names it.</param>
/// <param name="Kernel">The first Linux release with it.</param>
/// <param name="Need">Required, optional or unused.</param>
/// <param name="Without">What BypassNet does without it.</param>
internal sealed record FeatureRule(IoUringFeatures Feature, string What, string Kernel, FeatureNeed Need, string Without);
