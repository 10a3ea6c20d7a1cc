namespace BypassNet.RespServer.Tests.Support;

/// <summary>A theory that is skipped, with a message saying what to install, when redis-tools is absent.</summary>
public sealed class RedisToolsTheoryAttribute : TheoryAttribute
{
    public RedisToolsTheoryAttribute()
    {
        if (!RedisTools.Available)
        {
            Skip = RedisTools.MissingMessage;
        }
    }
}
