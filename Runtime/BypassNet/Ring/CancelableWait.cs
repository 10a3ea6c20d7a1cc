namespace BypassNet.Ring;

/// <summary>
/// The one way an awaitable operation hooks its caller's <see cref="CancellationToken"/>. A wait is begun under the
/// owner's lock, before any completer can see the waiter, and its registration is stored only if that wait is still
/// running when the registration exists; a completion that won the race has ended the wait already, and the late
/// registration is dropped on the spot. So no registration outlives its wait (none leaks on a long-lived token), and the
/// 16-byte registration is only ever read and written under this object's lock.
/// </summary>
internal sealed class CancelableWait
{
    private static readonly Action<object?> s_fire = static state => ((CancelableWait)state!).Fire();
    private static long s_live;

    private readonly Lock _lock = new();
    private readonly Action<object?> _onCanceled;
    private readonly object _owner;
    private CancellationTokenRegistration _registration;
    private long _wait;
    private bool _armed;

    // The current wait took no lock (its token cannot fire): End needs none either. Written by Begin before completers see the wait.
    private bool _lockFree;

    // A wait since the last locked Begin had a token that can fire, so a registration may be left over.
    private bool _mayHoldRegistration;

    /// <summary><paramref name="onCanceled"/> runs with <paramref name="owner"/> when a token fires; the owner decides (under its own lock) whether the wait it belonged to is still current.</summary>
    public CancelableWait(Action<object?> onCanceled, object owner)
    {
        _onCanceled = onCanceled;
        _owner = owner;
    }

    /// <summary>Registrations made and not yet unregistered or fired, over all waits (tests check that none leaks).</summary>
    internal static long LiveRegistrations => Volatile.Read(ref s_live);

    /// <summary>
    /// Starts a wait for <paramref name="token"/>. Call it where the waiter becomes visible to completers (under the
    /// owner's lock). Returns the wait's id for <see cref="Register"/>.
    /// </summary>
    /// <remarks>
    /// A token that cannot be cancelled (the common case) never registers, so its wait takes no lock when nothing may be
    /// left behind: no registration exists, none can be stored for it (<see cref="Register"/> returns at once), and
    /// <see cref="End"/> needs none either. After a wait whose token could fire the next one takes the lock once, which
    /// drops whatever a never-ended wait left.
    /// </remarks>
    public long Begin(CancellationToken token)
    {
        bool cancelable = token.CanBeCanceled;
        if (!cancelable && !_mayHoldRegistration)
        {
            _armed = true;
            _lockFree = true;
            return ++_wait;
        }

        CancellationTokenRegistration stale;
        long wait;
        lock (_lock)
        {
            // A wait that was never ended would leave its registration behind: drop it with the new wait.
            stale = _registration;
            _registration = default;
            _armed = true;
            _lockFree = false;
            _mayHoldRegistration = cancelable;
            wait = ++_wait;
        }

        Drop(stale);
        return wait;
    }

    /// <summary>
    /// Hooks <paramref name="token"/> to wait <paramref name="wait"/>. Call it outside the owner's lock: a token that is
    /// cancelled already runs the callback right here, and the callback takes that lock.
    /// </summary>
    public void Register(long wait, CancellationToken token)
    {
        if (!token.CanBeCanceled)
        {
            return;
        }

        Interlocked.Increment(ref s_live);
        CancellationTokenRegistration registration = token.UnsafeRegister(s_fire, this);
        lock (_lock)
        {
            if (_armed && _wait == wait)
            {
                _registration = registration;
                return;
            }
        }

        // The wait completed before its registration existed: drop it now, so nothing fires for a wait that is over.
        Drop(registration);
    }

    /// <summary>
    /// Ends the current wait (any thread; before completing it). False when the token's callback ran or may be running,
    /// so a pooled owner must not be reused (the late callback could reach its next use).
    /// </summary>
    public bool End()
    {
        if (_lockFree)
        {
            _armed = false;
            return true;
        }

        CancellationTokenRegistration registration;
        lock (_lock)
        {
            if (!_armed)
            {
                return true;
            }

            _armed = false;
            registration = _registration;
            _registration = default;
        }

        if (!registration.Token.CanBeCanceled)
        {
            return true;
        }

        if (registration.Unregister())
        {
            Interlocked.Decrement(ref s_live);
            return true;
        }

        return false;
    }

    private static void Drop(CancellationTokenRegistration registration)
    {
        if (!registration.Token.CanBeCanceled)
        {
            return;
        }

        if (registration.Unregister())
        {
            Interlocked.Decrement(ref s_live);
        }
        else
        {
            // Fired: wait until a callback running on another thread has returned (same-thread calls return at once).
            registration.Dispose();
        }
    }

    private void Fire()
    {
        Interlocked.Decrement(ref s_live);
        _onCanceled(_owner);
    }
}
