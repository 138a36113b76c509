using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.Privacy;

namespace MillionX.Pipeline.Tests.Hosting;

/// <summary>
/// The public development keys protect only what never leaves the process: any external system in the selection
/// refuses them at start; they carry the reserved key id <c>dev</c>; configured keys may not take that id.
/// </summary>
public sealed class PrivacyKeysHostingTests
{
    /// <summary>Embedded broker, no keys configured: what the local profile of a fresh clone has.</summary>
    private static Dictionary<string, string?> EmbeddedWithoutKeys(params (string Key, string? Value)[] extra)
    {
        var d = new Dictionary<string, string?>
        {
            ["Observability:Http:Enabled"] = "false",
            ["Observability:ProgressInterval"] = "00:00:00",
            ["Warehouse:DuckDb:Path"] = TestConfig.TempDuckDb(),
            ["Embedding:CacheDirectory"] = TestConfig.PreparedModelCache,
            ["Kafka:BootstrapServers"] = "",
        };
        foreach (var (k, v) in extra)
        {
            d[k] = v;
        }

        return d;
    }

    private static PrivacyKeys Keys(Dictionary<string, string?> config, params string[] args)
    {
        using var host = RunCommand.Build(CommandLine.Parse(args), config);
        return host.Services.GetRequiredService<PrivacyKeys>();
    }

    [Fact]
    public void LocalProfile_NoKeys_DevelopmentKeysUnderTheReservedIdDev()
    {
        var keys = Keys(EmbeddedWithoutKeys(), "--profile", "local");

        Assert.True(keys.UsesDevelopmentKeys);
        Assert.Equal(PrivacyKeys.DevelopmentKeyId, keys.HashKeyId);
        Assert.Equal(PrivacyKeys.DevelopmentKeyId, keys.DeadLetterKeyId);
        Assert.StartsWith("dev_", PiiHasher.From(keys).HashPhone("8801711234567"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Snowflake", "--role", "warehouse-sink", "Warehouse:Writer", "snowflake")]
    [InlineData("Weaviate", "--role", "embedding-service", "VectorStore:Store", "weaviate")]
    [InlineData("Redis", "--role", "context-enricher", "Stages:context-enricher:Store", "redis")]
    [InlineData("the live source weather", "--role", "weather", null, null)]
    [InlineData("the live source shopify-sync and its webhook", "--role", "shopify-sync", null, null)]
    public void EmbeddedBroker_SomethingOutsideTheProcess_DevelopmentKeysRefusedNamingIt(string named, string flag, string role, string? key, string? value)
    {
        var config = EmbeddedWithoutKeys(
            ("Stages:context-enricher:RedisConnection", "127.0.0.1:1"),
            ("Stages:shopify-sync:ShopDomain", "example.myshopify.com"),
            ("Stages:shopify-sync:AccessToken", "not-a-real-token"),
            ("Stages:shopify-sync:WebhookSecret", "not-a-real-secret"),
            ("Stages:weather:ApiKey", "not-a-real-key"),
            ("Warehouse:Snowflake:AccountUrl", "https://127.0.0.1:1"));
        if (key is not null)
        {
            config[key] = value;
        }

        var e = Assert.Throws<OptionsValidationException>(() => Keys(config, flag, role));

        Assert.Contains("Privacy:HashKey is not set, and the public development key may only protect data that stays in this process", e.Message, StringComparison.Ordinal);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Privacy:HashKeyId")]
    [InlineData("Privacy:DeadLetterKeyId")]
    public void ConfiguredKeys_UnderTheReservedId_Refused(string idSetting)
    {
        var config = EmbeddedWithoutKeys(
            ("Privacy:HashKey", Convert.ToBase64String(TestConfig.HashKey)),
            ("Privacy:DeadLetterKey", Convert.ToBase64String(TestConfig.DeadLetterKey)),
            (idSetting, "dev"));

        var e = Assert.Throws<OptionsValidationException>(() => Keys(config, "--profile", "local"));

        Assert.Contains($"{idSetting} 'dev' is reserved", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExternalSystems_LocalProfileOnEmbeddedDefaults_None() =>
        Assert.Empty(ExternalSystems.Of(new ConfigurationBuilder().AddInMemoryCollection(EmbeddedWithoutKeys()).Build(),
            ["sample-source", "privacy-shield", "context-enricher", "embedding-service", "warehouse-sink", "dlq-monitor"]).Systems);
}
