using Microsoft.Extensions.Time.Testing;
using MillionX.Pipeline.Warehouse.Snowflake;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class SnowflakeCostMeterTests
{
    // X-Small (1 credit/h) at 3 USD per credit: one second costs 3/3600 USD.
    private const double UsdPerSecond = 3.0 / 3600;
    private const double Tolerance = 1e-12;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 3, 1, 10, 0, 0, TimeSpan.Zero));

    private SnowflakeCostMeter Meter() => new(1, 3, TimeSpan.FromSeconds(60), _clock);

    [Fact]
    public void Record_FirstStatement_BillsSixtySecondMinimum()
    {
        var meter = Meter();
        _clock.Advance(TimeSpan.FromSeconds(2));

        var usd = meter.Record(TimeSpan.FromSeconds(2));

        Assert.Equal(60 * UsdPerSecond, usd, Tolerance);
        Assert.Equal(usd, meter.TotalUsd, Tolerance);
    }

    [Fact]
    public void Record_LongFirstStatement_BillsItsWholeRunTime()
    {
        var meter = Meter();
        _clock.Advance(TimeSpan.FromSeconds(90));

        Assert.Equal(90 * UsdPerSecond, meter.Record(TimeSpan.FromSeconds(90)), Tolerance);
    }

    [Fact]
    public void Record_BackToBack_BillsOnlyElapsed()
    {
        var meter = Meter();
        _clock.Advance(TimeSpan.FromSeconds(2));
        meter.Record(TimeSpan.FromSeconds(2));

        _clock.Advance(TimeSpan.FromSeconds(3));
        var second = meter.Record(TimeSpan.FromSeconds(3));
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        var third = meter.Record(TimeSpan.FromMilliseconds(500));

        Assert.Equal(3 * UsdPerSecond, second, Tolerance);
        Assert.Equal(0.5 * UsdPerSecond, third, Tolerance);
        Assert.Equal(63.5 * UsdPerSecond, meter.TotalUsd, Tolerance);
    }

    [Fact]
    public void Record_PauseShorterThanAutoSuspend_BillsThePauseTheWarehouseStayedUp()
    {
        var meter = Meter();
        _clock.Advance(TimeSpan.FromSeconds(1));
        meter.Record(TimeSpan.FromSeconds(1));

        _clock.Advance(TimeSpan.FromSeconds(30 + 2));
        var usd = meter.Record(TimeSpan.FromSeconds(2));

        Assert.Equal(32 * UsdPerSecond, usd, Tolerance);
    }

    [Fact]
    public void Record_AfterIdleLongerThanAutoSuspend_BillsSixtySecondMinimumAgain()
    {
        var meter = Meter();
        _clock.Advance(TimeSpan.FromSeconds(1));
        meter.Record(TimeSpan.FromSeconds(1));

        _clock.Advance(TimeSpan.FromMinutes(10));
        var usd = meter.Record(TimeSpan.FromSeconds(4));

        Assert.Equal(60 * UsdPerSecond, usd, Tolerance);
    }

    [Fact]
    public void EstimatedUsdPerDay_LastHourTimes24_DropsOlderEntries()
    {
        var meter = Meter();
        Assert.Equal(0, meter.EstimatedUsdPerDay);

        _clock.Advance(TimeSpan.FromSeconds(2));
        var first = meter.Record(TimeSpan.FromSeconds(2));
        _clock.Advance(TimeSpan.FromMinutes(30));
        var second = meter.Record(TimeSpan.FromSeconds(5));
        Assert.Equal((first + second) * 24, meter.EstimatedUsdPerDay, Tolerance);

        _clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(second * 24, meter.EstimatedUsdPerDay, Tolerance);

        _clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(0, meter.EstimatedUsdPerDay, Tolerance);
        Assert.Equal(first + second, meter.TotalUsd, Tolerance);
    }
}
