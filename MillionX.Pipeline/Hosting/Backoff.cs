namespace MillionX.Pipeline.Hosting;

/// <summary>
/// Retry delays for a loop that cannot sit behind a resilience pipeline (Daraz paces its own throttled pages):
/// exponential, capped, with jitter so replicas never retry in step.
/// </summary>
public static class Backoff
{
    /// <summary>A delay between half and all of <paramref name="delay"/>.</summary>
    public static TimeSpan Jitter(TimeSpan delay) =>
        TimeSpan.FromMilliseconds((delay.TotalMilliseconds / 2) + (Random.Shared.NextDouble() * delay.TotalMilliseconds / 2));

    /// <summary>The jittered delay before retry number <paramref name="attempt"/> (1-based): initial x 2^(attempt-1), capped.</summary>
    public static TimeSpan ForAttempt(int attempt, TimeSpan initial, TimeSpan max) =>
        Jitter(TimeSpan.FromMilliseconds(Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, attempt - 1))));
}
