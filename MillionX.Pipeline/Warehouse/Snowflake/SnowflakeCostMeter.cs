namespace MillionX.Pipeline.Warehouse.Snowflake;

/// <summary>
/// Estimates what the loads cost: a running warehouse bills per second (credits per hour of its size), and a
/// statement after the warehouse auto-suspended pays the 60-second minimum of a resume. The daily figure is the
/// last hour's cost times 24, for the plan's cost alert. Pure apart from the clock.
/// </summary>
public sealed class SnowflakeCostMeter(double creditsPerHour, double usdPerCredit, TimeSpan autoSuspend, TimeProvider clock)
{
    private readonly Queue<(DateTimeOffset At, double Usd)> _lastHour = new();
    private readonly Lock _lock = new();
    private DateTimeOffset? _lastActivityEnd;

    public double TotalUsd { get; private set; }

    /// <summary>Records one statement's run time; returns its estimated cost in USD.</summary>
    public double Record(TimeSpan elapsed)
    {
        lock (_lock)
        {
            var now = clock.GetUtcNow();
            var start = now - elapsed;
            double billedSeconds;
            if (_lastActivityEnd is null || start - _lastActivityEnd.Value > autoSuspend)
            {
                // Resumed: at least 60 s are billed.
                billedSeconds = Math.Max(60, elapsed.TotalSeconds);
            }
            else
            {
                // Still running: billed for the time since the last statement ended (the warehouse stayed up), at most this statement.
                billedSeconds = Math.Min(elapsed.TotalSeconds + (start - _lastActivityEnd.Value).TotalSeconds, elapsed.TotalSeconds + autoSuspend.TotalSeconds);
            }

            _lastActivityEnd = now;
            var usd = billedSeconds / 3600 * creditsPerHour * usdPerCredit;
            TotalUsd += usd;
            _lastHour.Enqueue((now, usd));
            return usd;
        }
    }

    public double EstimatedUsdPerDay
    {
        get
        {
            lock (_lock)
            {
                var cutoff = clock.GetUtcNow() - TimeSpan.FromHours(1);
                while (_lastHour.Count > 0 && _lastHour.Peek().At < cutoff)
                {
                    _lastHour.Dequeue();
                }

                return _lastHour.Sum(x => x.Usd) * 24;
            }
        }
    }
}
