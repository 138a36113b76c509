using Microsoft.Extensions.Configuration;

namespace MillionX.Pipeline.Tests.Deploy;

/// <summary>deploy/kafka-connect/snowflake-sink.json: the plan's Snowpipe Streaming settings, no literal secret.</summary>
public sealed class KafkaConnectConfigTests
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
}
