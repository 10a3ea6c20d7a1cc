using System.Diagnostics;

namespace BypassNet.Ring;

/// <summary>
/// When a <see cref="RingEventLoop"/> with nothing to do spins for a while before it sleeps. A sleep in io_uring_enter
/// costs a context switch, and on a virtual machine a wake-up of an idle CPU that often takes longer than the gap
/// between a reply and the peer's next request; the thread pool's workers spin for the same reason. So a quiet ring
/// (few completions per wake-up: a connection or two in ping-pong) whose recent idle gaps were short watches the
/// completion queue and the kernel's pending-work flag from user space, without system calls, and takes new work the
/// moment it arrives. A ring that is busy never sleeps long enough to gain from it, and one whose idle gaps are long
/// (an idle server) does not spin at all: after one spin that found nothing, the next sleep is measured and decides.
/// </summary>
internal sealed class BusyPollPolicy
{
    private readonly long _budgetTicks;
    private readonly RingStatistics _statistics;
    private long _lastIdleTicks = long.MaxValue;

    public BusyPollPolicy(int budgetMicroseconds, RingStatistics statistics)
    {
        // With one CPU the spinner would only keep the thread that produces the work from running.
        _budgetTicks = budgetMicroseconds <= 0 || Environment.ProcessorCount == 1 ? 0 : Math.Max(1, budgetMicroseconds * Stopwatch.Frequency / 1_000_000);
        _statistics = statistics;
    }

    /// <summary>
    /// True when the loop should spin before its next sleep: quiet on average and at its last wake-up (a busy ring that
    /// spun would reap smaller batches, at more enters per operation), and its last idle gap was short.
    /// </summary>
    public bool WantsSpin(double completionsPerWake, int lastBatch) =>
        _budgetTicks > 0 && lastBatch <= RingEventLoop.QuietBatch && completionsPerWake <= RingEventLoop.QuietBatch && _lastIdleTicks <= 2 * _budgetTicks;

    /// <summary>
    /// Spins until <paramref name="ring"/> has completions or pending kernel work, or <paramref name="hasWork"/> says
    /// other threads posted some, or the budget runs out. True when work arrived (the loop then enters without waiting).
    /// </summary>
    public bool Spin(IoUring ring, Func<bool> hasWork)
    {
        long start = Stopwatch.GetTimestamp();
        long deadline = start + _budgetTicks;
        for (int i = 1; ; i++)
        {
            if (ring.HasWorkPending || hasWork())
            {
                _lastIdleTicks = Stopwatch.GetTimestamp() - start;
                _statistics.BusyPollHits++;
                return true;
            }

            // The clock is read every few rounds only: the checks above are plain loads, the clock is not.
            if ((i & 7) == 0 && Stopwatch.GetTimestamp() >= deadline)
            {
                _statistics.BusyPollMisses++;
                return false;
            }

            Thread.SpinWait(8);
        }
    }

    /// <summary>The loop slept for <paramref name="ticks"/>: a long sleep turns spinning off until a short one turns it on.</summary>
    public void OnSlept(long ticks) => _lastIdleTicks = ticks;
}
