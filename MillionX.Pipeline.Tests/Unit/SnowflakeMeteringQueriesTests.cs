using MillionX.Pipeline.Warehouse.Snowflake;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class SnowflakeMeteringQueriesTests
{
    [Theory]
    [InlineData("2026-12-05T12:20:00Z", 3, "2026-12-04T09:00:00Z", "2026-12-05T09:00:00Z")]
    [InlineData("2026-12-05T12:00:00Z", 3, "2026-12-04T09:00:00Z", "2026-12-05T09:00:00Z")]
    [InlineData("2026-12-05T02:59:59Z", 3, "2026-12-03T23:00:00Z", "2026-12-04T23:00:00Z")]
    [InlineData("2026-12-05T12:20:00Z", 0, "2026-12-04T12:00:00Z", "2026-12-05T12:00:00Z")]
    public void Window_NowAndLatency_IsTheWholeDayThatEndsTheLatencyAgo(string now, int latencyHours, string from, string to)
    {
        var (f, t) = SnowflakeMeteringQueries.Window(DateTimeOffset.Parse(now, CultureInfo.InvariantCulture), TimeSpan.FromHours(latencyHours));

        Assert.Equal(DateTimeOffset.Parse(from, CultureInfo.InvariantCulture), f);
        Assert.Equal(DateTimeOffset.Parse(to, CultureInfo.InvariantCulture), t);
    }

    [Fact]
    public void Report_HoursInAndOutOfTheWindow_SumsOnlyTheWindowPerServiceAndName()
    {
        var from = new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
        var to = from.AddDays(1);
        MeteredHour[] hours =
        [
            new("warehouse", "LOAD_WH", from.AddHours(-1), 7),      // before
            new("warehouse", "LOAD_WH", from, 1.5),
            new("warehouse", "LOAD_WH", to.AddHours(-1), 0.5),
            new("warehouse", "LOAD_WH", to, 9),                      // after: still inside the reporting latency
            new("snowpipe_streaming", "CONNECT", from.AddHours(3), 0.25),
        ];

        var report = SnowflakeMeteringQueries.Report(hours, from, to, usdPerCredit: 3);

        Assert.Equal(2.0, report.Credits[("warehouse", "LOAD_WH")], 9);
        Assert.Equal(0.25, report.Credits[("snowpipe_streaming", "CONNECT")], 9);
        Assert.Equal(6.75, report.UsdPerDay, 9);
    }

    [Fact]
    public void Parse_JsonV2Strings_ReadsNameEpochAndCredits()
    {
        var hour = Assert.Single(SnowflakeMeteringQueries.Parse("warehouse", [["LOAD_WH", "1796371200.000000", "0.283333333"]]));

        Assert.Equal(new MeteredHour("warehouse", "LOAD_WH", DateTimeOffset.FromUnixTimeSeconds(1796371200), 0.283333333), hour);
    }

    [Fact]
    public void WarehouseMetering_Names_HasOnePlaceholderPerNameAfterTheRange()
    {
        var sql = SnowflakeMeteringQueries.WarehouseMetering(2);

        Assert.Contains("SNOWFLAKE.ACCOUNT_USAGE.WAREHOUSE_METERING_HISTORY", sql, StringComparison.Ordinal);
        Assert.Equal(4, sql.Count(c => c == '?'));
        Assert.Contains("IN (?, ?)", sql, StringComparison.Ordinal);
    }
}
