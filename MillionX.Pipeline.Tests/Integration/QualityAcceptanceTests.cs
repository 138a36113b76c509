using MillionX.Pipeline.Observability;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// A fresh embedded run (ingest through the privacy shield into the DuckDB warehouse, as <c>dotnet run</c> with the
/// local profile would) and then <c>quality --json</c> on the file it made; and the end-to-end latency of the orders
/// and weather paths, and the sink's batch window, observed as the records land. Alone in its collection: the
/// histograms are process-wide, so the counts before and after are this test's own.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class QualityAcceptanceTests : BrokerTest
{
    [Fact]
    public async Task Quality_AfterAFreshIngest_RunsAndPasses_AndLatencyIsObservedPerPath()
    {
        var orders = PipelineMetrics.EndToEndLatency.WithLabels(PipelineMetrics.PathOrders);
        var weather = PipelineMetrics.EndToEndLatency.WithLabels(PipelineMetrics.PathWeather);
        var window = PipelineMetrics.SinkBatchWindow.WithLabels("warehouse-sink");
        var before = (Orders: orders.Count, OrdersSum: orders.Sum, Weather: weather.Count, Window: window.Count);

        var now = DateTimeOffset.UtcNow;
        var ordersFile = Path.Combine(TempDir, "orders.jsonl");
        await File.WriteAllLinesAsync(ordersFile, Enumerable.Range(0, 20).Select(i =>
            $"{{\"platform\":\"shopify\",\"order_id\":\"SH-{i}\",\"merchant_id\":\"M-7\",\"product_id\":\"P-{i % 4}\",\"product_name\":\"Jamdani Shari\",\"quantity\":1,\"price\":{1200 + i},\"order_status\":\"paid\",\"customer_phone\":\"+88017120000{i:D2}\",\"timestamp\":\"{now.AddMinutes(-5):O}\"}}"));
        var weatherFile = Path.Combine(TempDir, "weather.jsonl");
        await File.WriteAllLinesAsync(weatherFile, QualityData.Cities.Select(city =>
            $"{{\"city\":\"{city}\",\"temperature\":29.5,\"condition\":\"Haze\",\"humidity\":70,\"wind_speed\":3,\"timestamp\":\"{now.AddMinutes(-10):O}\"}}"));
        var config = Broker.Config();

        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "shopify", "--file", ordersFile, "--role", "privacy-shield,warehouse-sink"]), config, new StringWriter()));
        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "weather", "--file", weatherFile, "--role", "warehouse-sink"]), config, new StringWriter()));

        // Every order and every reading carried its ingested-at header to the warehouse.
        Assert.Equal(20, orders.Count - before.Orders);
        Assert.Equal(5, weather.Count - before.Weather);
        var meanOrderSeconds = (orders.Sum - before.OrdersSum) / 20;
        Assert.InRange(meanOrderSeconds, 0.001, 60);
        Assert.True(window.Count - before.Window >= 2, "each ingest wrote at least one batch");

        var output = new StringWriter();
        var exit = await QualityCommand.RunAsync(CommandLine.Parse(["quality", "--json"]), config, output);

        using var doc = JsonDocument.Parse(output.ToString());
        var checks = doc.RootElement.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => (c.GetProperty("table").GetString(), c.GetProperty("check").GetString()), c => c.GetProperty("status").GetString());
        Assert.True(exit == 0, output.ToString());
        Assert.True(doc.RootElement.GetProperty("ok").GetBoolean());
        foreach (var table in new[] { "ORDERS", "PRICE_HISTORY", "WEATHER_LOGS" })
        {
            Assert.All(checks.Where(c => c.Key.Item1 == table), c => Assert.Equal("pass", c.Value));
        }

        // The enricher did not run: its catalogue is not in the file, which is not a failure.
        Assert.Equal("skipped", checks[("PRODUCT_CATALOGUE", "range_price")]);
        Assert.Equal(20, DuckDbQuery.Scalar(config["Warehouse:DuckDb:Path"]!, "select count(*) from ORDERS"));
    }
}
