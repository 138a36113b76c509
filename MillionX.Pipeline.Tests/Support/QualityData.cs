using System.Globalization;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using MillionX.Pipeline.Warehouse;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>
/// Warehouse tables seeded for the data-quality checks, relative to a given "now": eight days of ten orders (with their
/// PRICE_HISTORY rows) and five cities' weather in the same hour of each day, and a small PRODUCT_CATALOGUE. Good data
/// passes every check; each <see cref="Breach"/> breaks exactly the data one check is about.
/// </summary>
public static partial class QualityData
{
    public static readonly string[] Cities = ["Dhaka", "Chittagong", "Sylhet", "Khulna", "Rajshahi"];

    /// <summary>The checks each breach must fail: (scenario, table, check).</summary>
    public static readonly TheoryData<string, string, string> Breaches = new()
    {
        { "volume", "ORDERS", "volume_last_hour" },
        { "orders_silent", "ORDERS", "freshness" },
        { "weather_stale", "WEATHER_LOGS", "freshness" },
        { "blank_name", "ORDERS", "null_rate" },
        { "duplicate_order", "ORDERS", "duplicate_rate" },
        { "duplicate_weather", "WEATHER_LOGS", "duplicate_rate" },
        { "zero_price", "ORDERS", "range_price" },
        { "price_over_gate", "PRICE_HISTORY", "range_price" },
        { "zero_quantity", "ORDERS", "range_quantity" },
        { "humidity", "WEATHER_LOGS", "range_humidity" },
        { "temperature", "WEATHER_LOGS", "range_temperature" },
        { "orphan_price", "PRICE_HISTORY", "referential_orders" },
        { "catalogue_price", "PRODUCT_CATALOGUE", "range_price" },
        { "catalogue_blank", "PRODUCT_CATALOGUE", "null_rate" },
    };

    /// <summary>
    /// The warehouse DDL of the repo; with <paramref name="enforceKeys"/> false the primary keys are dropped, as
    /// Snowflake (which does not enforce them) or a Kafka Connect load would leave a table.
    /// </summary>
    public static void CreateTables(DuckDBConnection c, bool enforceKeys = true)
    {
        foreach (var ddl in WarehouseDdl.Statements("duckdb"))
        {
            c.Execute(enforceKeys ? ddl : PrimaryKey().Replace(ddl, ""));
        }

        c.Execute($"""
            CREATE TABLE PRODUCT_CATALOGUE (
                PLATFORM VARCHAR NOT NULL, PRODUCT_ID VARCHAR NOT NULL, NAME VARCHAR NOT NULL,
                LATEST_PRICE DECIMAL(18,4) NOT NULL, MIN_PRICE DECIMAL(18,4) NOT NULL, MAX_PRICE DECIMAL(18,4) NOT NULL,
                CURRENCY VARCHAR NOT NULL, TIMES_SEEN BIGINT NOT NULL, LATEST_AT TIMESTAMP NOT NULL{(enforceKeys ? ", PRIMARY KEY (PLATFORM, PRODUCT_ID)" : "")})
            """);
    }

    public static void SeedGood(DuckDBConnection c, DateTime now, int days = 7, int ordersPerHour = 10)
    {
        for (var d = 0; d <= days; d++)
        {
            for (var k = 0; k < ordersPerHour; k++)
            {
                var ingested = now.AddDays(-d).AddMinutes(-10 - k);
                InsertOrder(c, $"O-{d}-{k}", $"P-{k % 5}", ingested, 100 + k, 1 + (k % 3));
            }

            foreach (var city in Cities)
            {
                c.Execute($"INSERT INTO RAW_DATA.WEATHER_LOGS VALUES ('{city}', {Ts(now.AddDays(-d).AddMinutes(-20))}, 29.5, 'Haze', 71, 3.2, false, {Ts(now.AddDays(-d).AddMinutes(-15))}, {Ts(now.AddDays(-d).AddMinutes(-20))})");
            }
        }

        for (var p = 0; p < 5; p++)
        {
            c.Execute($"INSERT INTO PRODUCT_CATALOGUE VALUES ('shopify', 'P-{p}', 'Jamdani Shari {p}', 105, 100, 110, 'BDT', 3, {Ts(now.AddMinutes(-10))})");
        }
    }

    public static void InsertOrder(DuckDBConnection c, string orderId, string productId, DateTime ingested, decimal price, int quantity)
    {
        var p = price.ToString(CultureInfo.InvariantCulture);
        c.Execute($"INSERT INTO RAW_DATA.ORDERS VALUES ('shopify', '{orderId}', '{productId}', 'M-7', 'Jamdani Shari', {quantity}, {p}, 'BDT', 'paid', NULL, {Ts(ingested.AddMinutes(-5))}, {Ts(ingested)}, 'k1', '', {Ts(ingested.AddMinutes(-5))})");
        c.Execute($"INSERT INTO RAW_DATA.PRICE_HISTORY VALUES ('shopify', '{productId}', '{orderId}', {p}, 'BDT', {Ts(ingested.AddMinutes(-5))}, {Ts(ingested)})");
    }

    /// <summary>Breaks the seeded data the way <paramref name="scenario"/> names (see <see cref="Breaches"/>).</summary>
    public static void Breach(DuckDBConnection c, string scenario, DateTime now)
    {
        var lastHour = Ts(now.AddHours(-1));
        c.Execute(scenario switch
        {
            // 2 of the usual 10: under half the same-hour median.
            "volume" => $"DELETE FROM RAW_DATA.PRICE_HISTORY WHERE INGESTION_TIME >= {lastHour} AND ORDER_ID NOT IN ('O-0-0', 'O-0-1'); DELETE FROM RAW_DATA.ORDERS WHERE INGESTION_TIME >= {lastHour} AND ORDER_ID NOT IN ('O-0-0', 'O-0-1')",
            "orders_silent" => $"UPDATE RAW_DATA.ORDERS SET INGESTION_TIME = INGESTION_TIME - INTERVAL 3 HOUR WHERE INGESTION_TIME >= {lastHour}",
            "weather_stale" => "UPDATE RAW_DATA.WEATHER_LOGS SET RECORDED_AT = RECORDED_AT - INTERVAL 3 HOUR, \"TIMESTAMP\" = \"TIMESTAMP\" - INTERVAL 3 HOUR",
            "blank_name" => "UPDATE RAW_DATA.ORDERS SET PRODUCT_NAME = '  ' WHERE ORDER_ID = 'O-0-3'",
            "duplicate_order" => "INSERT INTO RAW_DATA.ORDERS SELECT * FROM RAW_DATA.ORDERS WHERE ORDER_ID = 'O-0-4'",
            "duplicate_weather" => $"INSERT INTO RAW_DATA.WEATHER_LOGS SELECT * FROM RAW_DATA.WEATHER_LOGS WHERE CITY = 'Sylhet' AND INGESTION_TIME >= {lastHour}",
            "zero_price" => "UPDATE RAW_DATA.ORDERS SET PRICE = 0 WHERE ORDER_ID = 'O-0-5'",
            "price_over_gate" => "UPDATE RAW_DATA.PRICE_HISTORY SET PRICE = 200000000 WHERE ORDER_ID = 'O-0-5'",
            "zero_quantity" => "UPDATE RAW_DATA.ORDERS SET QUANTITY = 0 WHERE ORDER_ID = 'O-0-2'",
            "humidity" => $"UPDATE RAW_DATA.WEATHER_LOGS SET HUMIDITY = 120 WHERE CITY = 'Khulna' AND INGESTION_TIME >= {lastHour}",
            "temperature" => $"UPDATE RAW_DATA.WEATHER_LOGS SET TEMPERATURE = 65 WHERE CITY = 'Rajshahi' AND INGESTION_TIME >= {lastHour}",
            "orphan_price" => "DELETE FROM RAW_DATA.ORDERS WHERE ORDER_ID = 'O-0-6'",
            "catalogue_price" => "UPDATE PRODUCT_CATALOGUE SET LATEST_PRICE = 500 WHERE PRODUCT_ID = 'P-1'",
            "catalogue_blank" => "UPDATE PRODUCT_CATALOGUE SET NAME = '' WHERE PRODUCT_ID = 'P-2'",
            _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, null),
        });
    }

    /// <summary>A DuckDB file with the tables, good data and (optionally) one breach; keys enforced unless the breach needs duplicates.</summary>
    public static string File(string dir, DateTime now, string? breach = null)
    {
        var path = Path.Combine(dir, $"quality-{Guid.NewGuid():N}.duckdb");
        using var c = new DuckDBConnection($"Data Source={path}");
        c.Open();
        CreateTables(c, enforceKeys: breach?.StartsWith("duplicate", StringComparison.Ordinal) != true);
        SeedGood(c, now);
        if (breach is not null)
        {
            Breach(c, breach, now);
        }

        return path;
    }

    public static string Ts(DateTime t) => $"TIMESTAMP '{t.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)}'";

    [GeneratedRegex(@",\s*PRIMARY KEY \([^)]*\)")]
    private static partial Regex PrimaryKey();
}
