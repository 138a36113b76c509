using System.Text.RegularExpressions;
using MillionX.Pipeline.Warehouse;
using MillionX.Pipeline.Warehouse.Snowflake;
using Microsoft.Extensions.Configuration;

namespace MillionX.Pipeline.Tests.Deploy;

/// <summary>
/// deploy/kafka-connect/snowflake-sink.json: the plan's Snowpipe Streaming settings, no literal secret; and
/// raw-data-merge.sql, the dedupe from the landing tables into the plan's tables, checked against the production DDL,
/// the warehouse-sink's keys and the JSON the pipeline writes to the topics (its SQL cannot run here: no Snowflake).
/// </summary>
public sealed partial class KafkaConnectConfigTests
{
    private static Dictionary<string, string> Config()
    {
        using var doc = JsonDocument.Parse(RepoFiles.Read("deploy/kafka-connect/snowflake-sink.json"));
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
    }

    [Fact]
    public void SnowflakeSink_UsesSnowpipeStreamingWithTenThousandRecordsOrSixtySecondBuffers()
    {
        var c = Config();

        Assert.Equal("com.snowflake.kafka.connector.SnowflakeSinkConnector", c["connector.class"]);
        Assert.Equal("SNOWPIPE_STREAMING", c["snowflake.ingestion.method"]);
        Assert.Equal("10000", c["buffer.count.records"]);
        Assert.Equal("60", c["buffer.flush.time"]);
    }

    [Fact]
    public void SnowflakeSink_ReadsCatalogTopicsAndMapsEachToATable()
    {
        var c = Config();
        var catalog = RepoFiles.AppSettingsConfig.GetSection("Kafka:Topics").GetChildren().Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        var topics = c["topics"].Split(',', StringSplitOptions.TrimEntries);
        var mapped = c["snowflake.topic2table.map"].Split(',', StringSplitOptions.TrimEntries).Select(m => m.Split(':')[0]).ToList();

        Assert.All(topics, t => Assert.Contains(t, catalog));
        Assert.Equal(topics.Order(StringComparer.Ordinal), mapped.Order(StringComparer.Ordinal));

        // Connect tasks beyond the topic's partitions would idle.
        var partitions = topics.Max(t => int.Parse(RepoFiles.AppSettingsConfig[$"Kafka:Topics:{t}:Partitions"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(int.Parse(c["tasks.max"], System.Globalization.CultureInfo.InvariantCulture), 1, partitions);
    }

    [Fact]
    public void SnowflakeSink_CredentialsComeFromTheWorkersEnvironment()
    {
        var c = Config();
        foreach (var key in new[] { "snowflake.private.key", "snowflake.user.name", "snowflake.url.name" })
        {
            Assert.Matches(@"^\$\{env:[A-Z_]+\}$", c[key]);
        }

        // ...and compose gives the worker those variables and the provider that resolves them.
        var compose = ComposeTests.Resolved().Map("services").Map("kafka-connect").Map("environment");
        Assert.Equal("env", compose.Str("CONNECT_CONFIG_PROVIDERS"));
        Assert.Equal("org.apache.kafka.common.config.provider.EnvVarConfigProvider", compose.Str("CONNECT_CONFIG_PROVIDERS_ENV_CLASS"));
        foreach (var key in new[] { "snowflake.private.key", "snowflake.user.name", "snowflake.url.name", "snowflake.role.name" })
        {
            Assert.True(compose.ContainsKey(c[key][6..^1]), $"compose does not pass {c[key]} to kafka-connect");
        }
    }

    [Fact]
    public void SnowflakeSink_LandsEachTopicInRawDataAsRecordContentAndMetadata()
    {
        var c = Config();

        Assert.Equal("MILLIONX", c["snowflake.database.name"]);
        Assert.Equal("RAW_DATA", c["snowflake.schema.name"]);
        Assert.Equal("false", c["snowflake.enable.schematization"]);
        Assert.Equal(
            ["context.weather:WEATHER_LOGS_LANDING", "sink.snowflake.orders:ORDERS_LANDING"],
            c["snowflake.topic2table.map"].Split(',', StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));
        var merge = RepoFiles.Read("deploy/kafka-connect/raw-data-merge.sql");
        foreach (var landing in new[] { "ORDERS_LANDING", "WEATHER_LOGS_LANDING" })
        {
            Assert.Contains($"CREATE TABLE IF NOT EXISTS {landing} (RECORD_METADATA VARIANT, RECORD_CONTENT VARIANT)", merge, StringComparison.Ordinal);
            Assert.Contains($"CREATE STREAM IF NOT EXISTS {landing}_CHANGES ON TABLE {landing} APPEND_ONLY = TRUE", merge, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("ORDERS")]
    [InlineData("PRICE_HISTORY")]
    [InlineData("WEATHER_LOGS")]
    public void MergeSql_FillsEveryColumnOfTheProductionTable_OnTheWarehouseSinksKey(string table)
    {
        var merge = RepoFiles.Read("deploy/kafka-connect/raw-data-merge.sql");
        var ddl = WarehouseDdl.Statements("snowflake").Single(s => s.StartsWith($"CREATE TABLE IF NOT EXISTS {table} (", StringComparison.Ordinal));
        var columns = DdlColumn().Matches(ddl).Select(m => m.Groups[1].Value).ToList();
        var statement = Regex.Match(merge, $@"MERGE INTO {table} t USING .*?;", RegexOptions.Singleline).Value;
        Assert.NotEmpty(statement);

        var inserted = Regex.Match(statement, @"WHEN NOT MATCHED THEN INSERT\s*\(([^)]*)\)").Groups[1].Value
            .Split(',', StringSplitOptions.TrimEntries).Select(c => c.Trim('"')).ToList();
        Assert.Equal(columns, inserted);

        var mergeTable = new[] { MergeTable.Orders, MergeTable.PriceHistory, MergeTable.WeatherLogs }.Single(t => t.Name == table);
        Assert.Contains("ON " + string.Join(" AND ", mergeTable.Key.Select(k => $"t.{k} = s.{k}")) + "\n", statement, StringComparison.Ordinal);
        if (mergeTable.Version is { } version)
        {
            // The dedupe keeps the newest source version: the landing rows are ranked by it, and the match never goes back.
            Assert.Contains($"WHEN MATCHED AND (t.{version} IS NULL OR s.{version} >= t.{version}) THEN UPDATE", statement, StringComparison.Ordinal);
            Assert.Contains($"ORDER BY {version} DESC, KAFKA_TIME DESC, KAFKA_OFFSET DESC) = 1", merge, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void MergeSql_ReadsOnlyFieldsThePipelineWritesToTheTopics()
    {
        var merge = RepoFiles.Read("deploy/kafka-connect/raw-data-merge.sql");
        var order = JsonSerializer.Serialize(new AnonymisedOrder
        {
            Platform = "shopify", OrderId = "1", MerchantId = "M", ProductId = "P", ProductName = "N", Quantity = 1, Price = 1, Currency = "BDT",
            OrderStatus = "paid", CustomerPhoneHash = "k1_x", Timestamp = DateTimeOffset.UnixEpoch, HashKeyId = "k1", LineId = "9", UpdatedAt = DateTimeOffset.UnixEpoch,
        }, ContractJson.Default.AnonymisedOrder);
        var weather = JsonSerializer.Serialize(new WeatherData
        {
            City = "Dhaka", Temperature = 30, Condition = "Haze", Humidity = 70, WindSpeed = 3, Timestamp = DateTimeOffset.UnixEpoch, IsExtremeWeather = false,
        }, ContractJson.Default.WeatherData);
        var orderFields = JsonDocument.Parse(order).RootElement.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var weatherFields = JsonDocument.Parse(weather).RootElement.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

        var ordersPart = merge[..merge.IndexOf("MERGE INTO WEATHER_LOGS", StringComparison.Ordinal)];
        var weatherPart = merge[merge.IndexOf("MERGE INTO WEATHER_LOGS", StringComparison.Ordinal)..];
        var read = ContentField().Matches(ordersPart).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(new HashSet<string>(["platform", "order_id", "product_id", "line_id", "timestamp", "updated_at", "price", "quantity"]), read);
        Assert.Subset(orderFields, read);
        Assert.Subset(weatherFields, ContentField().Matches(weatherPart).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal));
    }

    [GeneratedRegex(@"^\s+""?([A-Z_]+)""?\s+(?:VARCHAR|NUMBER|TIMESTAMP_NTZ|FLOAT|BOOLEAN)", RegexOptions.Multiline)]
    private static partial Regex DdlColumn();

    [GeneratedRegex(@"RECORD_CONTENT:(\w+)")]
    private static partial Regex ContentField();
}
