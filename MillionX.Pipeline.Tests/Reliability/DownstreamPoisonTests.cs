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
        foreach (var topic in new[] { Topics.SinkOrders, Topics.SinkVectors, Topics.EnrichedVectors, Topics.Weather })
        {
            Produce(Broker.Bootstrap, topic, Poison.Select(p => ("poison-" + p.Name, p.Value)));
        }

        using var host = RunCommand.Build(CommandLine.Parse(["--profile", "local"]), config);
        await host.StartAsync();
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

        // After the poison: one good record per topic.
        Produce(Broker.Bootstrap, Topics.SinkOrders, [("O-1", JsonSerializer.SerializeToUtf8Bytes(new AnonymisedOrder
        {
            Platform = "daraz", OrderId = "O-1", MerchantId = "M", ProductId = "P-1", ProductName = "Jamdani Shari", Quantity = 1, Price = 4500,
            Currency = "BDT", OrderStatus = "paid", Timestamp = T0, HashKeyId = "k1",
        }, ContractJson.Default.AnonymisedOrder))]);
        Produce(Broker.Bootstrap, Topics.SinkVectors, [("good-1", JsonSerializer.SerializeToUtf8Bytes(new AnonymisedPost
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
            ("warehouse-sink", Topics.SinkOrders, Topics.DeadLettersMarket), ("context-enricher", Topics.SinkOrders, Topics.DeadLettersMarket),
            ("context-enricher", Topics.SinkVectors, Topics.DeadLettersSocial), ("embedding-service", Topics.EnrichedVectors, Topics.DeadLettersSocial),
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

    private List<string> DeadLetters(string dlq, string stage, string sourceTopic) => Broker.ReadAll(dlq)
        .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.DeadLetterEnvelope)!)
        .Where(e => e.Stage == stage && e.SourceTopic == sourceTopic)
        .Select(e => e.Key ?? "").ToList();
}
