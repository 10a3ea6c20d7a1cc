namespace BypassNet;

/// <summary>
/// Marks a type whose values are owned resources: exactly one piece of code owns a value at a time and must
/// dispose it, hand it off to a <see cref="TakesOwnershipAttribute"/> parameter, return it or store it.
/// The BypassNet analyzers (BYP001–BYP004) read this attribute; nothing at run time does.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface, Inherited = true, AllowMultiple = false)]
public sealed class OwnedAttribute : Attribute
{
}
