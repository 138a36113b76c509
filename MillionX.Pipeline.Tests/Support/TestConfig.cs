using Microsoft.Extensions.Configuration;

namespace MillionX.Pipeline.Tests.Support;

public static class TestConfig
{
    private static readonly Lazy<IConfigurationRoot> AppSettings = new(() =>
        new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build());

    /// <summary>The topic catalog of the real appsettings.json.</summary>
    public static Dictionary<string, int> CatalogPartitions() =>
        AppSettings.Value.GetSection("Kafka:Topics").GetChildren().ToDictionary(t => t.Key, t => int.Parse(t["Partitions"]!, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Keys made fresh for this test run (a configured broker counts as production, which requires keys).</summary>
    public static readonly byte[] HashKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

    public static readonly byte[] DeadLetterKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

    public static Privacy.DeadLetterCrypto Crypto => new(new Dictionary<string, byte[]> { ["d1"] = DeadLetterKey }, "d1");

    public static Privacy.PiiHasher Hasher => new(HashKey, "k1");

    /// <summary>
    /// Environment for a pipeline process joined to a broker: that counts as production, so it needs the privacy
    /// keys; the model is the product's default (the packaged all-MiniLM-L6-v2, int8), from the tests' shared cache.
    /// </summary>
    public static Dictionary<string, string> BrokerClientEnvironment => new()
    {
        ["Privacy__HashKey"] = Convert.ToBase64String(HashKey),
        ["Privacy__DeadLetterKey"] = Convert.ToBase64String(DeadLetterKey),
        ["Embedding__CacheDirectory"] = PreparedModelCache,
    };

    /// <summary>The shared model cache, after the real int8 model was made in it once (so child processes only load it).</summary>
    public static string PreparedModelCache => TestModels.RealInt8 is not null ? TestModels.ModelCache : "";

    /// <summary>No HTTP port (tests run in parallel), no progress line, a unique consumer-group prefix.</summary>
    public static Dictionary<string, string?> Quiet(string? groupPrefix = null, string? bootstrap = null)
    {
        var d = new Dictionary<string, string?>
        {
            ["Observability:Http:Enabled"] = "false",
            ["Observability:ProgressInterval"] = "00:00:00",
            ["Kafka:GroupIdPrefix"] = groupPrefix ?? $"t{Guid.NewGuid():N}-",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Warehouse:DuckDb:Path"] = TempDuckDb(),
            ["Embedding:CacheDirectory"] = PreparedModelCache,
            ["Privacy:HashKey"] = Convert.ToBase64String(HashKey),
            ["Privacy:DeadLetterKey"] = Convert.ToBase64String(DeadLetterKey),
        };
        if (bootstrap is not null)
        {
            d["Kafka:BootstrapServers"] = bootstrap;
            d["Kafka:Provisioning:Enabled"] = "false";
        }

        return d;
    }

    /// <summary>A DuckDB file of this test's own (parallel tests must not share one).</summary>
    public static string TempDuckDb() => Path.Combine(Path.GetTempPath(), "millionx-tests", $"{Guid.NewGuid():N}.duckdb");

    public static Dictionary<string, string?> With(this Dictionary<string, string?> d, string key, string? value)
    {
        d[key] = value;
        return d;
    }

    /// <summary>The scrapers' search keywords, in order.</summary>
    public static Dictionary<string, string?> WithKeywords(this Dictionary<string, string?> d, params string[] keywords)
    {
        for (var i = 0; i < keywords.Length; i++)
        {
            d[$"Scraping:Keywords:{i}"] = keywords[i];
        }

        return d;
    }

    /// <summary>Points shopify-sync at the fake shop, with the fake's API version and access token.</summary>
    public static Dictionary<string, string?> WithShop(this Dictionary<string, string?> d, FakeShopify shop) => d
        .With("Stages:shopify-sync:ShopDomain", shop.Url.ToString())
        .With("Stages:shopify-sync:ApiVersion", FakeShopify.ApiVersion)
        .With("Stages:shopify-sync:AccessToken", FakeShopify.Token);

    /// <summary>The context-enricher's catalogue in the test's Redis server, under its own key prefix.</summary>
    public static Dictionary<string, string?> WithRedisCatalogue(this Dictionary<string, string?> d, RedisServer redis, string keyPrefix) => d
        .With("Stages:context-enricher:Store", "redis")
        .With("Stages:context-enricher:RedisConnection", redis.Connection)
        .With("Stages:context-enricher:RedisKeyPrefix", keyPrefix);

    /// <summary>Turns the metrics/health/status HTTP endpoint on, on a free loopback port.</summary>
    public static Dictionary<string, string?> WithHttpEndpoint(this Dictionary<string, string?> d) => d
        .With("Observability:Http:Enabled", "true")
        .With("Observability:Http:Urls", "http://127.0.0.1:0");

    /// <summary>Polls until <paramref name="condition"/> holds or the timeout passes.</summary>
    public static async Task<bool> Eventually(Func<bool> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return condition();
    }
}
