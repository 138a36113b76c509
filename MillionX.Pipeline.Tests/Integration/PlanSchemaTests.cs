using DuckDB.NET.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.Quality;
using MillionX.Pipeline.Warehouse;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// The plan's warehouse schema on the embedded warehouse: a fresh run answers queries written to the plan
/// (MILLIONX.RAW_DATA.*, ORDERS."timestamp", PRICE_HISTORY.recorded_at, WEATHER_LOGS.recorded_at / "timestamp"), and a
/// file of the earlier layout is moved into it at start with its rows, keys and the data-quality checks intact.
/// </summary>
public sealed class PlanSchemaTests : BrokerTest
{
    [Fact]
    public async Task FreshEmbeddedRun_PlanWrittenQueries_Work()
    {
        var ordersFile = Path.Combine(TempDir, "orders.jsonl");
        await File.WriteAllLinesAsync(ordersFile, Enumerable.Range(0, 6).Select(i =>
            $"{{\"platform\":\"shopify\",\"order_id\":\"SH-{i}\",\"merchant_id\":\"M-7\",\"product_id\":\"P-{i % 2}\",\"product_name\":\"Jamdani Shari\",\"quantity\":1,\"price\":{1200 + i},\"order_status\":\"paid\",\"customer_phone\":\"+88017120000{i:D2}\",\"timestamp\":\"2026-11-20T0{i}:00:00Z\"}}"));
        var weatherFile = Path.Combine(TempDir, "weather.jsonl");
        await File.WriteAllLinesAsync(weatherFile,
        [
            "{\"city\":\"Dhaka\",\"temperature\":31.5,\"condition\":\"Haze\",\"humidity\":70,\"wind_speed\":3,\"timestamp\":\"2026-11-20T10:00:00Z\"}",
            "{\"city\":\"Chittagong\",\"temperature\":29,\"condition\":\"Rain\",\"humidity\":88,\"wind_speed\":6,\"timestamp\":\"2026-11-20T10:00:00Z\"}",
        ]);

        // The default file name, data/millionx.duckdb, makes the catalog MILLIONX.
        var config = Broker.Config().With("Warehouse:DuckDb:Path", Path.Combine(TempDir, "data", "millionx.duckdb"));
        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "shopify", "--file", ordersFile, "--role", "privacy-shield,warehouse-sink"]), config, new StringWriter()));
        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "weather", "--file", weatherFile, "--role", "warehouse-sink"]), config, new StringWriter()));

        Assert.Equal(
            "{\"CITY\":\"Chittagong\",\"RECORDED_AT\":\"2026-11-20T10:00:00\",\"TIMESTAMP\":\"2026-11-20T10:00:00\",\"CONDITION\":\"Rain\"}\n"
            + "{\"CITY\":\"Dhaka\",\"RECORDED_AT\":\"2026-11-20T10:00:00\",\"TIMESTAMP\":\"2026-11-20T10:00:00\",\"CONDITION\":\"Haze\"}\n",
            await Sql(config, "SELECT city, recorded_at, \"timestamp\", condition FROM MILLIONX.RAW_DATA.WEATHER_LOGS ORDER BY city"));
        Assert.Equal(
            "{\"ORDER_ID\":\"SH-5\",\"TIMESTAMP\":\"2026-11-20T05:00:00\",\"PRICE\":1205.0000,\"ORDER_STATUS\":\"paid\"}\n",
            await Sql(config, "SELECT order_id, \"timestamp\", price, order_status FROM RAW_DATA.ORDERS WHERE \"timestamp\" > TIMESTAMP '2026-11-20 04:30:00'"));
        Assert.Equal(
            "{\"PRODUCT_ID\":\"P-0\",\"n\":3,\"last_seen\":\"2026-11-20T04:00:00\"}\n{\"PRODUCT_ID\":\"P-1\",\"n\":3,\"last_seen\":\"2026-11-20T05:00:00\"}\n",
            await Sql(config, "SELECT product_id, count(*) AS n, max(recorded_at) AS last_seen FROM MILLIONX.RAW_DATA.PRICE_HISTORY GROUP BY product_id ORDER BY product_id"));

        // Our stronger keys are kept: ORDERS by (platform, order_id, product_id, line_id), not the plan's order_id alone.
        Assert.Equal(["PLATFORM,ORDER_ID,PRODUCT_ID,LINE_ID"], DuckDbQuery.Column(config["Warehouse:DuckDb:Path"]!,
            "select array_to_string(constraint_column_names, ',') from duckdb_constraints() where schema_name = 'RAW_DATA' and table_name = 'ORDERS' and constraint_type = 'PRIMARY KEY'"));
    }

    [Fact]
    public async Task Start_FileOfTheEarlierLayout_MovedToRawDataWithPlanNames_RowsKeysAndChecksKept()
    {
        var path = Path.Combine(TempDir, "old.duckdb");
        var now = DateTime.UtcNow;
        using (var c = new DuckDBConnection($"Data Source={path}"))
        {
            c.Open();
            c.Execute(EarlierLayout);
            c.Execute($"""
                INSERT INTO ORDERS VALUES ('shopify', 'SH-1', 'P-1', 'M-7', 'Jamdani Shari', 2, 4500, 'BDT', 'paid', NULL,
                    {QualityData.Ts(now.AddMinutes(-20))}, {QualityData.Ts(now.AddMinutes(-10))}, 'k1', '518995019', {QualityData.Ts(now.AddMinutes(-15))});
                INSERT INTO PRICE_HISTORY VALUES ('shopify', 'P-1', 'SH-1', 4500, 'BDT', {QualityData.Ts(now.AddMinutes(-20))}, {QualityData.Ts(now.AddMinutes(-10))});
                INSERT INTO WEATHER_LOGS VALUES ('Dhaka', {QualityData.Ts(now.AddMinutes(-30))}, 31.5, 'Haze', 70, 3, false, {QualityData.Ts(now.AddMinutes(-25))});
                """);
        }

        var options = Options.Create(new WarehouseOptions { DuckDb = new DuckDbOptions { Path = path } });
        await using (var writer = new DuckDbWarehouseWriter(options, NullLogger<DuckDbWarehouseWriter>.Instance))
        {
            await writer.EnsureSchemaAsync(CancellationToken.None);
        }

        // A second start finds the plan's layout and changes nothing; a write then lands next to the migrated rows.
        await using (var writer = new DuckDbWarehouseWriter(options, NullLogger<DuckDbWarehouseWriter>.Instance))
        {
            var batch = new WarehouseBatch();
            batch.Add(new WeatherRow("Dhaka", now.AddMinutes(-5), 32, "Haze", 68, 3, false, now));
            await writer.WriteAsync(batch, CancellationToken.None);
        }

        Assert.Equal(
            ["ORDERS:BASE TABLE:RAW_DATA", "ORDERS:VIEW:main", "PRICE_HISTORY:BASE TABLE:RAW_DATA", "PRICE_HISTORY:VIEW:main", "WEATHER_LOGS:BASE TABLE:RAW_DATA", "WEATHER_LOGS:VIEW:main"],
            DuckDbQuery.Column(path, "select table_name || ':' || table_type || ':' || table_schema from information_schema.tables where table_name in ('ORDERS', 'PRICE_HISTORY', 'WEATHER_LOGS') order by 1"));
        Assert.Equal(["SH-1|2|518995019"], DuckDbQuery.Column(path, "select order_id || '|' || quantity || '|' || line_id from RAW_DATA.ORDERS where \"timestamp\" < ingestion_time"));
        Assert.Equal(1, DuckDbQuery.Scalar(path, "select count(*) from RAW_DATA.PRICE_HISTORY where recorded_at < ingestion_time"));
        Assert.Equal(2, DuckDbQuery.Scalar(path, "select count(*) from RAW_DATA.WEATHER_LOGS where recorded_at = \"timestamp\""));
        Assert.Equal(["CITY,RECORDED_AT"], DuckDbQuery.Column(path,
            "select array_to_string(constraint_column_names, ',') from duckdb_constraints() where table_name = 'WEATHER_LOGS' and constraint_type = 'PRIMARY KEY'"));
        Assert.Equal(0, DuckDbQuery.Scalar(path, "select count(*) from information_schema.columns where column_name in ('ORDER_TIMESTAMP', 'OBSERVED_AT')"));

        // The data-quality checks read the migrated tables through their bare names.
        QualityReport report;
        await using (var warehouse = new DuckDbQualityWarehouse(path))
        {
            report = await new QualityRunner(new DataQualityOptions(), new ValidationLimits(), TimeProvider.System, NullLogger.Instance).RunAsync(warehouse, [], CancellationToken.None);
        }

        Assert.All(report.Checks.Where(c => c.Table is "ORDERS" or "PRICE_HISTORY" or "WEATHER_LOGS" && c.Check is "null_rate" or "duplicate_rate" or "range_price" or "referential_orders" or "freshness"),
            c => Assert.True(c.Status == QualityStatus.Pass, $"{c.Table}/{c.Check}: {c.Status} {c.Detail}"));
    }

    /// <summary>The tables as the writer created them before the plan's layout: in main, ORDER_TIMESTAMP and OBSERVED_AT.</summary>
    private const string EarlierLayout = """
        CREATE TABLE ORDERS (PLATFORM VARCHAR NOT NULL, ORDER_ID VARCHAR NOT NULL, PRODUCT_ID VARCHAR NOT NULL, MERCHANT_ID VARCHAR NOT NULL,
            PRODUCT_NAME VARCHAR NOT NULL, QUANTITY INTEGER NOT NULL, PRICE DECIMAL(18,4) NOT NULL, CURRENCY VARCHAR NOT NULL, ORDER_STATUS VARCHAR NOT NULL,
            CUSTOMER_PHONE_HASH VARCHAR, ORDER_TIMESTAMP TIMESTAMP NOT NULL, INGESTION_TIME TIMESTAMP NOT NULL, HASH_KEY_ID VARCHAR NOT NULL,
            LINE_ID VARCHAR NOT NULL, SOURCE_UPDATED_AT TIMESTAMP NOT NULL, PRIMARY KEY (PLATFORM, ORDER_ID, PRODUCT_ID, LINE_ID));
        CREATE TABLE PRICE_HISTORY (PLATFORM VARCHAR NOT NULL, PRODUCT_ID VARCHAR NOT NULL, ORDER_ID VARCHAR NOT NULL, PRICE DECIMAL(18,4) NOT NULL,
            CURRENCY VARCHAR NOT NULL, OBSERVED_AT TIMESTAMP NOT NULL, INGESTION_TIME TIMESTAMP NOT NULL, PRIMARY KEY (PLATFORM, PRODUCT_ID, ORDER_ID));
        CREATE TABLE WEATHER_LOGS (CITY VARCHAR NOT NULL, OBSERVED_AT TIMESTAMP NOT NULL, TEMPERATURE DOUBLE NOT NULL, CONDITION VARCHAR NOT NULL,
            HUMIDITY DOUBLE NOT NULL, WIND_SPEED DOUBLE NOT NULL, IS_EXTREME_WEATHER BOOLEAN NOT NULL, INGESTION_TIME TIMESTAMP NOT NULL,
            PRIMARY KEY (CITY, OBSERVED_AT));
        CREATE TABLE KEY_FINGERPRINTS (KEY_ID VARCHAR NOT NULL PRIMARY KEY, FINGERPRINT VARCHAR NOT NULL, RECORDED_AT TIMESTAMP NOT NULL);
        """;

    private static async Task<string> Sql(Dictionary<string, string?> config, string query)
    {
        var output = new StringWriter();
        Assert.Equal(0, await SqlCommand.RunAsync(CommandLine.Parse(["sql", query, "--json"]), config, output));
        return output.ToString().Replace("\r", "", StringComparison.Ordinal);
    }
}
