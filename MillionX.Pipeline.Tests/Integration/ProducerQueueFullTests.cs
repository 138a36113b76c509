using Confluent.Kafka;
using Microsoft.Extensions.Logging.Testing;
using MillionX.Pipeline.Bench;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// librdkafka's local queue held to 10 messages (<c>queue.buffering.max.messages=10</c>), so every producing path
/// meets <c>Local_QueueFull</c> again and again: the source publisher (ingest), the privacy shield, the enricher, the
/// dead-letter publisher, the Kafka vector forwarder and the bench's producer must each wait and keep every record,
/// exactly once. (<c>dlq replay</c> is covered by <see cref="DlqCommandTests"/> with the same setting.)
/// </summary>
public sealed class ProducerQueueFullTests : BrokerTest
{
    public const string TinyQueue = "Kafka:Producer:queue.buffering.max.messages";

    private static string Order(int i, string quantity = "1") =>
        $"{{\"platform\":\"shopify\",\"order_id\":\"Q-{i}\",\"merchant_id\":\"M\",\"product_id\":\"P-{i % 40}\",\"product_name\":\"Cotton Panjabi {i % 40}\","
        + $"\"quantity\":{quantity},\"price\":1450,\"order_status\":\"paid\",\"customer_phone\":\"+8801712{i:D6}\",\"timestamp\":\"2026-11-20T10:00:00Z\"}}";

    private static string Post(int i) =>
        $"{{\"platform\":\"tiktok\",\"post_id\":\"q{i}\",\"author_username\":\"seller_{i % 9}\",\"content\":\"Eid panjabi collection number {i}, inbox for price\","
        + $"\"engagement_count\":{i},\"timestamp\":\"2026-11-20T10:00:00Z\",\"hashtags\":[],\"product_mentions\":[]}}";

    [Fact]
    public async Task Ingest_TenMessageQueue_EveryOrderPostAndDeadLetterArrivesOnce()
    {
        var config = Broker.Config().With(TinyQueue, "10").With("Stages:embedding-service:Output", "kafka");
        var duckdb = config["Warehouse:DuckDb:Path"]!;
        var orders = Path.Combine(TempDir, "orders.jsonl");
        await File.WriteAllLinesAsync(orders, [.. Enumerable.Range(0, 3000).Select(i => Order(i)), .. Enumerable.Range(3000, 150).Select(i => Order(i, quantity: "0"))]);
        var posts = Path.Combine(TempDir, "posts.jsonl");
        await File.WriteAllLinesAsync(posts, Enumerable.Range(0, 120).Select(Post));

        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "shopify", "--file", orders]), config, new StringWriter()));
        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "tiktok", "--file", posts]), config, new StringWriter()));

        Assert.Equal(3000, Broker.Count(Topics.MarketShopify));                       // source publisher
        Assert.Equal(150, Broker.Count(Topics.DeadLettersMarket));                    // dead-letter publisher
        Assert.Equal(3000, Broker.Count(Topics.AnonymisedOrders));                          // privacy shield
        Assert.Equal(3000, DuckDbQuery.Scalar(duckdb, "select count(distinct ORDER_ID) from ORDERS"));
        Assert.Equal(120, Broker.Count(Topics.AnonymisedPosts));                          // privacy shield, posts
        Assert.Equal(120, Broker.Count(Topics.EnrichedPosts));                      // enricher
        var embedded = Broker.ReadAll(Topics.EnrichedEmbeddings);                     // vector forwarder
        Assert.Equal(120, embedded.Count);
        Assert.Equal(120, embedded.Select(m => Encoding.UTF8.GetString(m.Message.Key!)).Distinct().Count());
    }

    [Fact]
    public void BenchProducer_TenMessageQueue_KeepsEveryRecord()
    {
        var topic = Topics.SocialTiktok; // a catalog topic the test broker already has
        var partitions = new Dictionary<string, int> { [topic] = TestConfig.CatalogPartitions()[topic] };
        var options = Microsoft.Extensions.Options.Options.Create(new KafkaOptions
        {
            BootstrapServers = Broker.Bootstrap,
            Producer = new Dictionary<string, string> { ["queue.buffering.max.messages"] = "10" },
        });
        using var cluster = new KafkaCluster(options, new FakeLogger<KafkaCluster>());
        using var kafka = new BenchKafka(new KafkaClientFactory(cluster, options, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance), partitions);
        var start = kafka.PartitionsOf([topic]).ToDictionary(tp => tp, _ => 0L);
        var records = Enumerable.Range(0, 20_000)
            .Select(i => new BenchRecord(topic, Encoding.UTF8.GetBytes($"k{i}"), JsonSerializer.SerializeToUtf8Bytes(new { i })))
            .ToList();

        kafka.ProduceAll(records, "queue full");

        kafka.AssertNothingLost("queue full", start);
        var read = Broker.ReadAll(topic);
        Assert.Equal(20_000, read.Count);
        Assert.Equal(20_000, read.Select(m => Encoding.UTF8.GetString(m.Message.Key!)).Distinct().Count());
    }
}
