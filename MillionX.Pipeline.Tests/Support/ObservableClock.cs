using Microsoft.Extensions.Time.Testing;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells the test when the code under test has set a timer (a
/// <c>Task.Delay</c> on the clock, a retry's backoff, a timeout) and with which due time. A fake clock advanced before
/// the timer it is meant to fire exists sets that timer a whole due time after the advanced time, so the timer never
/// fires; a test waits here for the timer, then advances.
/// </summary>
public sealed class ObservableClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _dueTimes = [];
    private readonly List<(TimeSpan DueTime, int Count, TaskCompletionSource Set)> _waiters = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_gate)
        {
            _dueTimes.Add(dueTime);
            foreach (var waiter in _waiters.Where(w => Count(w.DueTime) >= w.Count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Set.TrySetResult();
            }
        }

        return timer;
    }

    /// <summary>How many timers with <paramref name="dueTime"/> were set on this clock so far.</summary>
    public int TimersSet(TimeSpan dueTime)
    {
        lock (_gate)
        {
            return Count(dueTime);
        }
    }

    /// <summary>
    /// Waits (in real time, at most <paramref name="timeout"/>, 10 s by default) until <paramref name="count"/> timers
    /// with <paramref name="dueTime"/> have been set on this clock; fails the test if they are not.
    /// </summary>
    public async Task WaitForTimerAsync(TimeSpan dueTime, int count = 1, TimeSpan? timeout = null)
    {
        var set = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (Count(dueTime) >= count)
            {
                return;
            }

            _waiters.Add((dueTime, count, set));
        }

        var limit = timeout ?? TimeSpan.FromSeconds(10);
        try
        {
            await set.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"no timer of {dueTime} was set on the clock within {limit.TotalSeconds:0.#} s ({TimersSet(dueTime)} of {count})");
        }
    }

    private int Count(TimeSpan dueTime) => _dueTimes.Count(d => d == dueTime);
}
