using System.Net.Sockets;

namespace BypassNet.Samples;

/// <summary>
/// What an accept loop does when accept fails: out of descriptors (EMFILE/ENFILE) is a load condition — wait
/// 10 ms, doubling to 100 ms while it lasts, and resume; anything else concerns one connection attempt. Reports the
/// start and the end of each episode once, not every failure.
/// </summary>
public sealed class AcceptBackoff
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Longest = TimeSpan.FromMilliseconds(100);
    private readonly SafeLog _log;
    private TimeSpan _delay = First;
    private long _failures;

    /// <summary>Reports through <paramref name="log"/>.</summary>
    public AcceptBackoff(SafeLog log) => _log = log;

    /// <summary>Accepts that failed for want of descriptors so far.</summary>
    public long DescriptorFailures => Interlocked.Read(ref _failures);

    /// <summary>Call after a failed accept; returns once it is worth trying again.</summary>
    public async Task OnFailureAsync(SocketException exception)
    {
        if (exception.SocketErrorCode == SocketError.TooManyOpenSockets)
        {
            Interlocked.Increment(ref _failures);
            if (_delay == First)
            {
                _log.Write($"accept: out of descriptors ({exception.SocketErrorCode}); backing off and resuming when connections close");
            }

            await Task.Delay(_delay).ConfigureAwait(false);
            _delay = _delay * 2 > Longest ? Longest : _delay * 2;
            return;
        }

        _log.Write($"accept failed: {exception.SocketErrorCode}");
        await Task.Delay(First).ConfigureAwait(false);
    }

    /// <summary>Call after a successful accept: ends a backoff episode.</summary>
    public void OnSuccess()
    {
        if (_delay != First)
        {
            _delay = First;
            _log.Write("accept: descriptors available again; accepting");
        }
    }
}
