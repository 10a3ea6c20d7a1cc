namespace BypassNet.Ring;

/// <summary>Receives completions from <see cref="IoUring.ReapCompletions{THandler}"/>; a struct so dispatch inlines.</summary>
internal interface ICompletionHandler
{
    void OnCompletion(ulong userData, int result, uint flags);
}
