using Microsoft.Extensions.Options;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Stages.ContextEnricher;
using MillionX.Pipeline.Stages.DarazSync;
using MillionX.Pipeline.Stages.DataQuality;
using MillionX.Pipeline.Stages.DeadLetterMonitor;
using MillionX.Pipeline.Stages.EmbeddingService;
using MillionX.Pipeline.Stages.PrivacyShield;
using MillionX.Pipeline.Stages.WarehouseSink;
using MillionX.Pipeline.Stages.SampleSource;
using MillionX.Pipeline.Stages.WeatherSource;

namespace MillionX.Pipeline.Tests.Hosting;

/// <summary>Which stage modules a profile, role or override registers in the real host, from the real appsettings.json.</summary>
public sealed class StageSelectionHostingTests
{
    private static string[] Stages(IHost host) =>
        host.Services.GetServices<IHostedService>()
            .Select(s => s switch
            {
                SampleSourceStage => SampleSourceStage.StageName,
                DeadLetterMonitorStage => DeadLetterMonitorStage.StageName,
                PrivacyShieldStage => PrivacyShieldStage.StageName,
                ContextEnricherStage => ContextEnricherStage.StageName,
                EmbeddingServiceStage => EmbeddingServiceStage.StageName,
                WarehouseSinkStage => WarehouseSinkStage.StageName,
                DarazSyncStage => DarazSyncStage.StageName,
                WeatherSourceStage => WeatherSourceStage.StageName,
                DataQualityStage => DataQualityStage.StageName,
                _ => null,
            })
            .OfType<string>().Order(StringComparer.Ordinal).ToArray();

    private static IHost Build(params string[] args) => Build(args, []);

    private static IHost Build(string[] args, Dictionary<string, string?> extra)
    {
        var config = TestConfig.Quiet();
        foreach (var (k, v) in extra)
        {
            config[k] = v;
        }

        return RunCommand.Build(CommandLine.Parse(args), config);
    }

    [Theory]
    [InlineData(new string[0], new[] { "context-enricher", "data-quality", "dlq-monitor", "embedding-service", "privacy-shield", "sample-source", "warehouse-sink" })]
    [InlineData(new[] { "--profile", "local" }, new[] { "context-enricher", "data-quality", "dlq-monitor", "embedding-service", "privacy-shield", "sample-source", "warehouse-sink" })]
    [InlineData(new[] { "--profile", "ingest" }, new[] { "sample-source" })]
    [InlineData(new[] { "--profile", "stream" }, new[] { "context-enricher", "dlq-monitor", "embedding-service", "privacy-shield" })]
    [InlineData(new[] { "--role", "embedding-service" }, new[] { "embedding-service" })]
    [InlineData(new[] { "--role", "context-enricher" }, new[] { "context-enricher" })]
    [InlineData(new[] { "--profile", "sinks" }, new[] { "warehouse-sink" })]
    [InlineData(new[] { "--role", "privacy-shield" }, new[] { "privacy-shield" })]
    [InlineData(new[] { "--role", "warehouse-sink" }, new[] { "warehouse-sink" })]
    [InlineData(new[] { "--role", "sample-source" }, new[] { "sample-source" })]
    [InlineData(new[] { "--role", "dlq-monitor" }, new[] { "dlq-monitor" })]
    [InlineData(new[] { "--role", "daraz-sync" }, new[] { "daraz-sync" })]
    [InlineData(new[] { "--role", "weather" }, new[] { "weather" })]
    [InlineData(new[] { "--Pipeline:Profile=ingest" }, new[] { "sample-source" })]
    public void Build_ProfileOrRole_RegistersExactlyTheSelectedStages(string[] args, string[] expected)
    {
        using var host = Build(args);
        Assert.Equal(expected, Stages(host));
        Assert.Equal(expected, host.Services.GetRequiredService<StageRegistry>().All.Select(s => s.Name).ToArray());
    }

    [Fact]
    public void Build_EnabledFalseOverride_RemovesStageFromProfile()
    {
        using var host = Build(["--profile", "local"], new() { ["Stages:sample-source:Enabled"] = "false" });
        Assert.Equal(["context-enricher", "data-quality", "dlq-monitor", "embedding-service", "privacy-shield", "warehouse-sink"], Stages(host));
    }

    [Fact]
    public void Build_EnabledTrueOverride_AddsStageToRole()
    {
        using var host = Build(["--role", "dlq-monitor"], new() { ["Stages:sample-source:Enabled"] = "true" });
        Assert.Equal(["dlq-monitor", "sample-source"], Stages(host));
        var reason = host.Services.GetRequiredService<StageRegistry>().All.Single(s => s.Name == "sample-source").Reason;
        Assert.Equal("Stages:sample-source:Enabled=true", reason);
    }

    [Fact]
    public void Build_UnknownProfile_ThrowsNamingBadAndValidValues()
    {
        var ex = Assert.Throws<StageSelectionException>(() => Build("--profile", "everything"));
        Assert.Contains("'everything'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ingest, local, sinks, stream", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UnknownRole_ThrowsNamingValidStages()
    {
        var ex = Assert.Throws<StageSelectionException>(() => Build("--role", "scraper"));
        Assert.Contains("'scraper'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(string.Join(", ", StageCatalog.Names.Order(StringComparer.Ordinal)), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UnknownStageSection_Throws()
    {
        var ex = Assert.Throws<StageSelectionException>(() => Build([], new() { ["Stages:privacy:Enabled"] = "true" }));
        Assert.Contains("privacy", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_EnabledNotBoolean_Throws()
    {
        var ex = Assert.Throws<StageSelectionException>(() => Build([], new() { ["Stages:dlq-monitor:Enabled"] = "yes" }));
        Assert.Contains("'yes'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Stages:sample-source:InvalidShare", "2", "InvalidShare")]
    [InlineData("Stages:sample-source:Kinds:0", "instagram", "instagram")]
    [InlineData("Validation:MaxRecordBytes", "10", "MaxRecordBytes")]
    [InlineData("Kafka:Embedded:Brokers", "0", "Brokers")]
    [InlineData("Observability:LogFormat", "xml", "LogFormat")]
    [InlineData("Kafka:Topics:context.weather:Partitions", "0", "Partitions")]
    [InlineData("Warehouse:Writer", "oracle", "Warehouse:Writer")]
    [InlineData("Warehouse:Writer", "snowflake", "Warehouse:Snowflake:AccountUrl")]
    [InlineData("Stages:warehouse-sink:MaxBatchRecords", "0", "MaxBatchRecords")]
    [InlineData("Privacy:HashKeyId", "Key One!", "HashKeyId")]
    [InlineData("Stages:context-enricher:Store", "redis", "RedisConnection")]
    [InlineData("VectorStore:Store", "weaviate", "VectorStore:Weaviate:Url")]
    [InlineData("Embedding:MaxBatchSize", "0", "MaxBatchSize")]
    public async Task Start_InvalidOptions_FailsAtStartNamingTheSetting(string key, string value, string named)
    {
        using var host = Build([], new() { [key] = value });
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Privacy:HashKey")]
    [InlineData("Privacy:DeadLetterKey")]
    public async Task Start_RealBrokerWithoutPrivacyKey_RefusesToStart(string missing)
    {
        var config = TestConfig.Quiet(bootstrap: "127.0.0.1:1");
        config[missing] = "";
        using var host = RunCommand.Build(CommandLine.Parse(["--role", "dlq-monitor"]), config);
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(missing + " is not set", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PrivacyKeyTooShort_RefusesToStart()
    {
        var config = TestConfig.Quiet(bootstrap: "127.0.0.1:1");
        config["Privacy:HashKey"] = Convert.ToBase64String(new byte[8]);
        using var host = RunCommand.Build(CommandLine.Parse(["--role", "dlq-monitor"]), config);
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("at least 32 bytes", ex.Message, StringComparison.Ordinal);
    }
}
