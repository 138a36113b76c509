namespace MillionX.Pipeline.Tests.Unit;

/// <summary>A clock that always reads the same instant, so time-dependent rules give the same answer on every run.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
