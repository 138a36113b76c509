using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.Warehouse;

namespace MillionX.Pipeline.Tests.Integration;

public sealed class DuckDbWarehouseWriterTests
{
    private static OrderRow Order(int i, string status = "paid") => new(
        "shopify", $"SH-{i}", "P-1", "M-1", "Jamdani Shari", 1 + i, 4500.25m + i, "BDT", status, $"k1_{i:x24}",
        new DateTime(2026, 11, 20, 4, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 24, 0, 0, 0, DateTimeKind.Utc), "k1");

    [Fact]
    public async Task WriteAsync_SameBatchTwiceAndUpdates_UpsertsOnNaturalKeys()
    {
        var path = TestConfig.TempDuckDb();
        var batch = new WarehouseBatch();
        for (var i = 0; i < 1000; i++)
        {
            batch.Add(Order(i));
        }

        batch.Add(Order(7, status: "shipped"));
        batch.Add(new WeatherRow("Dhaka", new DateTime(2026, 11, 20, 4, 0, 0, DateTimeKind.Utc), 31.5, "Haze", 70, 3, false, DateTime.UtcNow));
        Assert.Equal(1002, batch.RecordCount);
        Assert.Equal(1000, batch.Orders.Count);

        await using (var writer = new DuckDbWarehouseWriter(Options.Create(new WarehouseOptions { DuckDb = new DuckDbOptions { Path = path } }), NullLogger<DuckDbWarehouseWriter>.Instance))
        {
            var result = await writer.WriteAsync(batch, CancellationToken.None);
            Assert.Equal(3, result.Statements);
            await writer.WriteAsync(batch, CancellationToken.None);

            var update = new WarehouseBatch();
            update.Add(Order(8, status: "delivered"));
            await writer.WriteAsync(update, CancellationToken.None);
        }

        Assert.Equal(1000, DuckDbQuery.Scalar(path, "select count(*) from ORDERS"));
        Assert.Equal(1000, DuckDbQuery.Scalar(path, "select count(*) from PRICE_HISTORY"));
        Assert.Equal(1, DuckDbQuery.Scalar(path, "select count(*) from WEATHER_LOGS"));
        Assert.Equal(["shipped"], DuckDbQuery.Column(path, "select ORDER_STATUS from ORDERS where ORDER_ID = 'SH-7'"));
        Assert.Equal(["delivered"], DuckDbQuery.Column(path, "select ORDER_STATUS from ORDERS where ORDER_ID = 'SH-8'"));
        Assert.Equal(["4511.2500"], DuckDbQuery.Column(path, "select PRICE from ORDERS where ORDER_ID = 'SH-11'"));
        Assert.Equal(["k1_" + 11.ToString("x24", System.Globalization.CultureInfo.InvariantCulture)], DuckDbQuery.Column(path, "select CUSTOMER_PHONE_HASH from ORDERS where ORDER_ID = 'SH-11'"));
    }
}
