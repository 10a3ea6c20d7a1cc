using System.Net.Sockets;

namespace BypassNet.Samples;

/// <summary>
/// What an accept loop does when accept throws. Running out of descriptors never gets here: the runtime's listener
/// keeps the connection in the backlog, retries on its own and logs the episode (see the runtime's logger). What does
/// get here concerns one connection attempt (ECONNABORTED) or is an error that may persist (ENOBUFS, a seccomp
/// filter): the loop waits 10 ms, doubling to 100 ms while failures follow one another, so it neither spins nor floods
/// the log; the start and the end of each episode are reported once.
/// </summary>
public sealed class AcceptBackoff
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Longest = TimeSpan.FromMilliseconds(100);
    private readonly SafeLog _log;
    private TimeSpan _delay = First;

    /// <summary>Reports through <paramref name="log"/>.</summary>
    public AcceptBackoff(SafeLog log) => _log = log;

    /// <summary>Call after a failed accept; returns once it is worth trying again.</summary>
    public async Task OnFailureAsync(SocketException exception)
    {
        if (_delay == First)
        {
            _log.Write($"accept failed: {exception.SocketErrorCode}; retrying");
        }

        await Task.Delay(_delay).ConfigureAwait(false);
        _delay = _delay * 2 > Longest ? Longest : _delay * 2;
    }

    /// <summary>Call after a successful accept: ends a failure episode.</summary>
    public void OnSuccess()
    {
        if (_delay != First)
        {
            _delay = First;
            _log.Write("accept: accepting again");
        }
    }
}
