using MillionX.Pipeline.DeadLetters;
using static MillionX.Pipeline.Tests.Reliability.ReliabilitySupport;

namespace MillionX.Pipeline.Tests.Reliability;

/// <summary>
/// Topics can be written by anyone: hostile records put straight onto the topics behind the validation gate must be
/// dead-lettered by the stage that reads them, and the stages must go on (the host keeps running, later records land).
/// </summary>
public sealed class DownstreamPoisonTests : BrokerTest
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Named poison values, the same for every topic.</summary>
    private static readonly (string Name, byte[] Value)[] Poison =
    [
        ("not_json", "not json at all"u8.ToArray()),
        ("truncated", "{\"platform\":\"tiktok\",\"post_"u8.ToArray()),
        ("json_array", "[1,2,3]"u8.ToArray()),
        ("json_null", "null"u8.ToArray()),
        ("empty_object", "{}"u8.ToArray()),
        ("invalid_utf8", [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]),
        ("lone_surrogate_value", "{\"platform\":\"tiktok\",\"post_id\":\"x\\ud800\",\"order_id\":\"x\\ud800\",\"city\":\"x\\ud800\"}"u8.ToArray()),
        ("lone_surrogate_key", "{\"a\\udc00\":1}"u8.ToArray()),
        ("number_overflow", "{\"quantity\":1e400,\"price\":1e400,\"engagement_count\":1e400,\"temperature\":1e400}"u8.ToArray()),
        ("deeply_nested", Encoding.ASCII.GetBytes(new string('[', 5000) + new string(']', 5000))),
        ("empty_value", []),
    ];

    [Fact]
    public async Task PoisonOnEveryDownstreamTopic_DeadLetteredByTheReadingStage_StagesKeepRunningAndLaterRecordsLand()
    {
        var config = Broker.Config().With("Stages:sample-source:Enabled", "false").With("Stages:context-enricher:MaxStaleness", "00:00:00");
        var duckdb = config["Warehouse:DuckDb:Path"]!;
        foreach (var topic in new[] { Topics.AnonymisedOrders, Topics.AnonymisedPosts, Topics.EnrichedPosts, Topics.Weather })
        {
            Produce(Broker.Bootstrap, topic, Poison.Select(p => ("poison-" + p.Name, p.Value)));
        }

        using var host = RunCommand.Build(CommandLine.Parse(["--profile", "local"]), config);
        await host.StartAsync();
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

        // After the poison: one good record per topic.
        Produce(Broker.Bootstrap, Topics.AnonymisedOrders, [("O-1", JsonSerializer.SerializeToUtf8Bytes(new AnonymisedOrder
        {
            Platform = "daraz", OrderId = "O-1", MerchantId = "M", ProductId = "P-1", ProductName = "Jamdani Shari", Quantity = 1, Price = 4500,
            Currency = "BDT", OrderStatus = "paid", Timestamp = T0, HashKeyId = "k1",
        }, ContractJson.Default.AnonymisedOrder))]);
        Produce(Broker.Bootstrap, Topics.AnonymisedPosts, [("good-1", JsonSerializer.SerializeToUtf8Bytes(new AnonymisedPost
        {
            Platform = "tiktok", PostId = "good-1", AuthorUsernameHash = "k1_abc", Content = "Notun shari collection eseche", EngagementCount = 3,
            Timestamp = T0, HashKeyId = "k1",
        }, ContractJson.Default.AnonymisedPost))]);
        Produce(Broker.Bootstrap, Topics.Weather, [("Dhaka", "{\"city\":\"Dhaka\",\"temperature\":31.5,\"condition\":\"Haze\",\"humidity\":70,\"wind_speed\":3.2,\"timestamp\":\"2026-11-20T10:00:00Z\"}"u8.ToArray())]);

        var metrics = host.Services.GetRequiredService<Observability.PipelineMetrics>();
        Assert.True(await TestConfig.Eventually(() =>
            stopping.IsCancellationRequested || (metrics.Stage("embedding-service").Out == 1 && metrics.Stage("warehouse-sink").Out == 2),
            TimeSpan.FromSeconds(90)), "the good records did not land");
        Assert.False(stopping.IsCancellationRequested, "a stage stopped the host on a poison record");

        // Each reading stage dead-lettered every poison record of each topic it reads, once.
        var expected = new[]
        {
            ("warehouse-sink", Topics.AnonymisedOrders, Topics.DeadLettersMarket), ("context-enricher", Topics.AnonymisedOrders, Topics.DeadLettersMarket),
            ("context-enricher", Topics.AnonymisedPosts, Topics.DeadLettersSocial), ("embedding-service", Topics.EnrichedPosts, Topics.DeadLettersSocial),
            ("warehouse-sink", Topics.Weather, Topics.DeadLettersWeather),
        };
        Assert.True(await TestConfig.Eventually(() => expected.All(e => DeadLetters(e.Item3, e.Item1, e.Item2).Count == Poison.Length), TimeSpan.FromSeconds(30)),
            string.Join('\n', expected.Select(e => $"{e.Item1} on {e.Item2}: {string.Join(", ", DeadLetters(e.Item3, e.Item1, e.Item2))}")));
        foreach (var (stage, topic, dlq) in expected)
        {
            Assert.Equal(Poison.Select(p => "poison-" + p.Name).Order(), DeadLetters(dlq, stage, topic).Order());
        }

        Assert.False(stopping.IsCancellationRequested);
        await host.StopAsync();
        Assert.Equal(["good-1"], DuckDbQuery.Column(duckdb, "select POST_ID from POST_VECTORS"));
        Assert.Equal(["O-1"], DuckDbQuery.Column(duckdb, "select ORDER_ID from ORDERS"));
        Assert.Equal(["Dhaka"], DuckDbQuery.Column(duckdb, "select CITY from WEATHER_LOGS"));
    }

    /// <summary>
    /// A price of 1e20 on <c>sink.snowflake.orders</c> passes a "&gt; 0" check and then fails DECIMAL(18,4) on every
    /// retry. With the gate's limits applied behind it, it is dead-lettered as out_of_range when read; with limits raised
    /// so that it reaches the store, the sink splits the refused batch, dead-letters only that row (rejected_by_store)
    /// and lands the others.
    /// </summary>
    [Theory]
    [InlineData(null, ReasonCodes.OutOfRange)]
    [InlineData("1000000000000000000000", ReasonCodes.RejectedByStore)]
    public async Task OrderPriceTheWarehouseCannotHold_OnlyThatRowIsDeadLetteredAndTheBatchLands(string? maxPrice, string reason)
    {
        var config = Broker.Config().With("Stages:warehouse-sink:DuckDbMaxBatchAge", "00:00:00.300");
        if (maxPrice is not null)
        {
            config = config.With("Validation:MaxPrice", maxPrice);
        }

        var duckdb = config["Warehouse:DuckDb:Path"]!;
        ProduceOrdersWithOnePoisonPrice();

        await RunUntilCaughtUpAsync(config, "warehouse-sink", Topics.AnonymisedOrders, TimeSpan.FromSeconds(60));

        var letter = Assert.Single(Broker.ReadAll(Topics.DeadLettersMarket)
            .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.DeadLetterEnvelope)!));
        Assert.Equal(("P-7", reason, "warehouse-sink"), (letter.Key, letter.Reason, letter.Stage));
        Assert.Equal(Enumerable.Range(0, 20).Where(i => i != 7).Select(i => $"P-{i}").Order(StringComparer.Ordinal),
            DuckDbQuery.Column(duckdb, "select ORDER_ID from ORDERS").Order(StringComparer.Ordinal));
    }

    /// <summary>The same poison row against Snowflake (the fake answers 422 with SQL state 22003, as Snowflake does).</summary>
    [Fact]
    public async Task OrderPriceSnowflakeCannotHold_OnlyThatRowIsDeadLetteredAndTheRestMerged()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        await using var snowflake = await FakeSnowflake.StartAsync(key.ExportSubjectPublicKeyInfo(), "XY12345.LOADER");
        var config = Broker.Config()
            .With("Validation:MaxPrice", "1000000000000000000000")
            .With("Warehouse:Writer", "snowflake")
            .With("Warehouse:Snowflake:AccountUrl", snowflake.Url.ToString())
            .With("Warehouse:Snowflake:Account", "XY12345")
            .With("Warehouse:Snowflake:User", "LOADER")
            .With("Warehouse:Snowflake:PrivateKey", key.ExportPkcs8PrivateKeyPem())
            .With("Stages:warehouse-sink:MaxBatchAge", "00:00:00.300");
        ProduceOrdersWithOnePoisonPrice();

        await RunUntilCaughtUpAsync(config, "warehouse-sink", Topics.AnonymisedOrders, TimeSpan.FromSeconds(60));

        var letter = Assert.Single(Broker.ReadAll(Topics.DeadLettersMarket)
            .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.DeadLetterEnvelope)!));
        Assert.Equal(("P-7", ReasonCodes.RejectedByStore), (letter.Key, letter.Reason));
        var merged = snowflake.Posts.Where(p => p.Answer == 200 && p.Statement!.StartsWith("MERGE INTO ORDERS ", StringComparison.Ordinal))
            .SelectMany(p => p.Bindings).OfType<string>().Where(b => b.StartsWith("P-", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(Enumerable.Range(0, 20).Where(i => i != 7).Select(i => $"P-{i}").ToHashSet(StringComparer.Ordinal), merged);
    }

    /// <summary>
    /// A 200 KB line of '&lt;' on <c>context.weather</c>: JSON-escaped it would make a dead letter over 1 MB, which the
    /// broker refuses (and a failed dead letter stops the stage). The envelope is encrypted and sized by its encoded
    /// bytes, so it is delivered, and the good weather after it lands.
    /// </summary>
    [Fact]
    public async Task HugeLineOfAngleBracketsOnWeather_IsDeadLetteredEncryptedUnderTheSizeLimitAndTheSinkGoesOn()
    {
        var config = Broker.Config().With("Stages:warehouse-sink:DuckDbMaxBatchAge", "00:00:00.300");
        var duckdb = config["Warehouse:DuckDb:Path"]!;
        Produce(Broker.Bootstrap, Topics.Weather, [
            ("hostile", Encoding.ASCII.GetBytes(new string('<', 200 * 1024))),
            ("Dhaka", "{\"city\":\"Dhaka\",\"temperature\":31.5,\"condition\":\"Haze\",\"humidity\":70,\"wind_speed\":3.2,\"timestamp\":\"2026-11-20T10:00:00Z\"}"u8.ToArray()),
        ]);

        await RunUntilCaughtUpAsync(config, "warehouse-sink", Topics.Weather, TimeSpan.FromSeconds(60));

        var message = Assert.Single(Broker.ReadAll(Topics.DeadLettersWeather));
        Assert.InRange(message.Message.Value.Length, 1, DeadLetterPublisher.MaxEnvelopeBytes);
        var letter = JsonSerializer.Deserialize(message.Message.Value, ContractJson.Default.DeadLetterEnvelope)!;
        Assert.Equal(("hostile", "aes-256-gcm", 200 * 1024), (letter.Key, letter.PayloadEncoding, letter.PayloadBytes));
        Assert.Equal(["Dhaka"], DuckDbQuery.Column(duckdb, "select CITY from WEATHER_LOGS"));
    }

    /// <summary>
    /// Weaviate refuses one object of a batch with a per-object validation error: that error is permanent, so the
    /// post is dead-lettered (rejected_by_store) instead of the batch being retried forever, and the rest are stored.
    /// </summary>
    [Fact]
    public async Task WeaviateRefusesOneObject_OnlyThatPostIsDeadLetteredAndTheRestStored()
    {
        await using var weaviate = await FakeWeaviate.StartAsync();
        weaviate.RejectObjects("V-3");
        var config = Broker.Config()
            .With("VectorStore:Store", "weaviate")
            .With("VectorStore:Weaviate:Url", weaviate.Url)
            .With("VectorStore:Weaviate:MaxAttempts", "2")
            .With("VectorStore:Weaviate:InitialBackoff", "00:00:00.100")
            .With("VectorStore:Weaviate:MaxBackoff", "00:00:00.400");
        Produce(Broker.Bootstrap, Topics.EnrichedPosts, Enumerable.Range(0, 10).Select(i => ($"V-{i}", JsonSerializer.SerializeToUtf8Bytes(new EnrichedPost
        {
            Platform = "tiktok", PostId = $"V-{i}", AuthorUsernameHash = "k1_abc", Content = $"Eid er notun shari collection #{i}",
            EngagementCount = i, Timestamp = T0.AddMinutes(i), HashKeyId = "k1", EnrichedContent = $"Eid er notun shari collection #{i}",
        }, ContractJson.Default.EnrichedPost))));

        await RunUntilCaughtUpAsync(config, "embedding-service", Topics.EnrichedPosts, TimeSpan.FromSeconds(90));

        var letter = Assert.Single(Broker.ReadAll(Topics.DeadLettersSocial)
            .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.DeadLetterEnvelope)!));
        Assert.Equal(("V-3", ReasonCodes.RejectedByStore, "embedding-service"), (letter.Key, letter.Reason, letter.Stage));
        Assert.Equal(Enumerable.Range(0, 10).Where(i => i != 3).Select(i => $"V-{i}").Order(StringComparer.Ordinal),
            weaviate.Objects.Values.Select(o => o.PostId).Order(StringComparer.Ordinal));
        Assert.Empty(weaviate.Violations);
    }

    /// <summary>Twenty anonymised orders P-0..P-19 on the sink topic; P-7's price (1e20) no warehouse column can hold.</summary>
    private void ProduceOrdersWithOnePoisonPrice() =>
        Produce(Broker.Bootstrap, Topics.AnonymisedOrders, Enumerable.Range(0, 20).Select(i => ($"P-{i}", JsonSerializer.SerializeToUtf8Bytes(new AnonymisedOrder
        {
            Platform = "shopify", OrderId = $"P-{i}", MerchantId = "M", ProductId = "SKU-1", ProductName = "Katan Shari", Quantity = 1,
            Price = i == 7 ? 1e20m : 2500 + i, Currency = "BDT", OrderStatus = "paid", Timestamp = T0.AddMinutes(i), HashKeyId = "k1",
        }, ContractJson.Default.AnonymisedOrder))));

    /// <summary>Runs one role until its group has committed the whole topic; fails if the role stopped the host instead.</summary>
    private async Task RunUntilCaughtUpAsync(Dictionary<string, string?> config, string role, string topic, TimeSpan within)
    {
        using var host = RunCommand.Build(CommandLine.Parse(["--role", role]), config);
        await host.StartAsync();
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        Assert.True(await TestConfig.Eventually(() => stopping.IsCancellationRequested
            || CaughtUp(Broker.Bootstrap, config["Kafka:GroupIdPrefix"] + role, topic, TestConfig.CatalogPartitions()[topic]), within), $"{role} did not get past the poison");
        Assert.False(stopping.IsCancellationRequested, $"the poison stopped the host ({role})");
        await host.StopAsync();
    }

    private List<string> DeadLetters(string dlq, string stage, string sourceTopic) => Broker.ReadAll(dlq)
        .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.DeadLetterEnvelope)!)
        .Where(e => e.Stage == stage && e.SourceTopic == sourceTopic)
        .Select(e => e.Key ?? "").ToList();
}
