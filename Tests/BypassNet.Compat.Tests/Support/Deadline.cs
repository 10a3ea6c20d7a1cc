namespace BypassNet.Compat.Tests.Support;

/// <summary>A generous upper bound so a broken test fails instead of hanging; never what a test asserts.</summary>
public static class Deadline
{
    public static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);

    public static CancellationToken Token() => new CancellationTokenSource(Hang).Token;
}
