namespace BypassNet;

/// <summary>
/// Marks a parameter that takes ownership of its argument: after the call the caller must not use,
/// dispose or hand off the value again, even if the call throws. The BypassNet analyzers read this attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = true, AllowMultiple = false)]
public sealed class TakesOwnershipAttribute : Attribute
{
}
