using MillionX.Pipeline.Observability;
using MillionX.Pipeline.Quality;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class QualityUnitTests
{
    [Fact]
    public void PassRates_FromAMetricsPage_SumsReasonsPerSourceAndIgnoresOtherStages()
    {
        const string page = """
            # HELP millionx_records_in_total Records a stage read or received.
            # TYPE millionx_records_in_total counter
            millionx_records_in_total{stage="shopify-sync"} 1000
            millionx_records_in_total{stage="weather"} 20
            millionx_records_in_total{stage="privacy-shield"} 5000
            # TYPE millionx_dead_letters_total counter
            millionx_dead_letters_total{stage="shopify-sync",reason="out_of_range"} 15
            millionx_dead_letters_total{stage="shopify-sync",reason="missing_field"} 10
            millionx_dead_letters_total{stage="privacy-shield",reason="malformed_json"} 900
            """;

        var rates = MetricsScrape.PassRates(page, new DataQualityOptions());

        Assert.Equal(["shopify-sync", "weather"], rates.Select(r => r.Table));
        var shopify = rates[0];
        Assert.Equal((QualityStatus.Fail, 0.975), (shopify.Status, shopify.Value!.Value));
        Assert.Contains("975 of 1000", shopify.Detail, StringComparison.Ordinal);
        // 20 records are too few to judge (SchemaMinRecords 50).
        Assert.Equal(QualityStatus.Skipped, rates[1].Status);
    }

    [Fact]
    public void SourcePassRates_JudgesTheWindowNotTheWholeRun()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));
        var metrics = new PipelineMetrics();
        var rates = new SourcePassRates(metrics, clock);
        var options = new DataQualityOptions { SchemaWindow = TimeSpan.FromHours(1) };
        var daraz = metrics.Stage("daraz-sync");

        // A bad first hour: 10 % dead-lettered.
        daraz.RecordIn(100);
        for (var i = 0; i < 10; i++)
        {
            daraz.RecordDeadLetter("wrong_type");
        }

        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0.9, Assert.Single(rates.Measure(options)).Value!.Value, 6);

        // A clean second hour: the window holds only it.
        daraz.RecordIn(200);
        clock.Advance(TimeSpan.FromHours(1));
        var second = Assert.Single(rates.Measure(options));
        Assert.Equal((QualityStatus.Pass, 1.0), (second.Status, second.Value!.Value));
        Assert.Contains("200 of 200", second.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1764936000.000000000", "2025-12-05T12:00:00.0000000Z")]
    [InlineData("1764936000.123456789", "2025-12-05T12:00:00.1234567Z")]
    public void SnowflakeCell_TimestampNtz_IsEpochSeconds(string cell, string expected)
    {
        var value = SnowflakeQualityWarehouse.Read(ProbeKind.Timestamp, cell);
        Assert.Equal(expected, value.Time!.Value.ToString("O", CultureInfo.InvariantCulture));
        Assert.Null(SnowflakeQualityWarehouse.Read(ProbeKind.Count, null).Number);
        Assert.Equal(42, SnowflakeQualityWarehouse.Read(ProbeKind.Count, "42").Number);
    }

    [Fact]
    public void Plan_ColumnNamesComeFromTheSchemaMap()
    {
        var renamed = QualitySchema.Current with { WeatherLogs = new WeatherLogsColumns(ObservedAt: "observed_at") };
        var weather = QualityPlan.Build(renamed, new DataQualityOptions(), new ValidationLimits(), new DateTime(2026, 12, 5, 12, 0, 0, DateTimeKind.Utc), includeCatalogue: false)
            .Single(t => t.Table == "WEATHER_LOGS");

        Assert.Contains("MAX(observed_at)", weather.Sql, StringComparison.Ordinal);
        Assert.DoesNotContain("RECORDED_AT", weather.Sql, StringComparison.Ordinal);
    }
}
