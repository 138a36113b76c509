using System.Diagnostics;
using Confluent.Kafka;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>The enricher stage on the embedded broker with a real redis-server, including a Redis outage.</summary>
public sealed class ContextEnricherTests : BrokerTest
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private void Produce(string topic, string key, byte[] value)
    {
        using var p = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = Broker.Bootstrap }).Build();
        p.Produce(topic, new Message<byte[]?, byte[]> { Key = Encoding.UTF8.GetBytes(key), Value = value });
        Assert.Equal(0, p.Flush(TimeSpan.FromSeconds(10)));
    }

    private void Order(string productId, string name, decimal price, int minute) => Produce(Topics.AnonymisedOrders, $"O-{minute}", JsonSerializer.SerializeToUtf8Bytes(new AnonymisedOrder
    {
        Platform = "daraz", OrderId = $"O-{minute}", MerchantId = "M", ProductId = productId, ProductName = name, Quantity = 1, Price = price,
        Currency = "BDT", OrderStatus = "paid", Timestamp = T0.AddMinutes(minute), HashKeyId = "k1",
    }, ContractJson.Default.AnonymisedOrder));

    private void Post(string id, string content) => Produce(Topics.AnonymisedPosts, id, JsonSerializer.SerializeToUtf8Bytes(new AnonymisedPost
    {
        Platform = "tiktok", PostId = id, AuthorUsernameHash = "k1_abc", Content = content, EngagementCount = 5, Timestamp = T0, HashKeyId = "k1",
    }, ContractJson.Default.AnonymisedPost));

    private Dictionary<string, EnrichedPost> Enriched() => Broker.ReadAll(Topics.EnrichedPosts)
        .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.EnrichedPost)!)
        .GroupBy(p => p.PostId).ToDictionary(g => g.Key, g => g.Last());

    [Fact]
    public async Task Enricher_WithRedis_AddsCatalogueProductsAndWaitsOutAnOutage()
    {
        using var redis = new RedisServer();
        var config = Broker.Config()
            .WithRedisCatalogue(redis, $"t{Guid.NewGuid():N}:")
            .With("Stages:context-enricher:MaxStaleness", "00:00:00")
            .With("Stages:context-enricher:RetryMaxDelay", "00:00:00.500");
        Order("P-1", "Jamdani Shari", 4500, 1);
        Order("P-1", "Jamdani Shari", 4200, 2);
        Order("P-2", "Leather Juta", 2200, 3);

        using var host = RunCommand.Build(CommandLine.Parse(["--role", "context-enricher"]), config);
        await host.StartAsync();
        Assert.True(await TestConfig.Eventually(() => host.Services.GetRequiredService<Stages.ContextEnricher.ContextEnricherStage>().Catalogue.Count == 2, TimeSpan.FromSeconds(20)));
        Post("p1", "Notun shari collection eseche!");
        Post("p2", "kono product er kotha nai");
        Assert.True(await TestConfig.Eventually(() => Enriched().Count == 2, TimeSpan.FromSeconds(20)));
        var enriched = Enriched();
        Assert.Equal("Notun shari collection eseche! | Product: Jamdani Shari, price 4200 BDT (range 4200-4500)", enriched["p1"].EnrichedContent);
        Assert.Equal(["P-1"], enriched["p1"].MatchedProductIds);
        Assert.Equal(enriched["p2"].Content, enriched["p2"].EnrichedContent);
        Assert.Empty(enriched["p2"].MatchedProductIds);

        // Redis goes away: the post waits (no output, offset not stored) instead of being dropped or enriched blind.
        redis.Stop();
        Post("p3", "Leather juta ache?");
        await Task.Delay(2000);
        Assert.False(Enriched().ContainsKey("p3"));
        redis.Start();
        Assert.True(await TestConfig.Eventually(() => Enriched().ContainsKey("p3"), TimeSpan.FromSeconds(30)));
        Assert.Equal(["P-2"], Enriched()["p3"].MatchedProductIds);
        await host.StopAsync();
    }

    /// <summary>
    /// Orders are learnt in batches cut at <c>MaxOrderBatch</c> orders or when the first has waited <c>MaxOrderBatchAge</c>:
    /// 25 orders with a batch of 10 are two full batches at once, and the last 5 only once their age is reached. Two
    /// batches may be in flight even when <c>Kafka:MaxInFlightPerStage</c> is smaller (5 here): else each batch would
    /// wait out its age with 5 orders.
    /// </summary>
    [Fact]
    public async Task Enricher_LearnsOrdersInBatchesCutBySizeThenAge()
    {
        var config = Broker.Config()
            .With("Kafka:MaxInFlightPerStage", "5")
            .With("Stages:context-enricher:SemanticMatching", "false")
            .With("Stages:context-enricher:MaxOrderBatch", "10")
            .With("Stages:context-enricher:MaxOrderBatchAge", "00:00:04");
        for (var i = 1; i <= 25; i++)
        {
            Order($"P-{i % 3}", "Jamdani Shari", 4000 + i, i);
        }

        using var host = RunCommand.Build(CommandLine.Parse(["--role", "context-enricher"]), config);
        await host.StartAsync();
        var stage = host.Services.GetRequiredService<Stages.ContextEnricher.ContextEnricherStage>();

        // The count, sampled every 20 ms until all 25 are learnt, with when each value was first seen. A batch adds its
        // orders at once, so the values are the batch boundaries. The full batches may land closer together than a
        // sample (the 10 then unseen); batches of 5 cut by age, 4 s apart, would show as 5 and 15.
        var seen = new List<(long Learnt, TimeSpan At)>();
        var watch = Stopwatch.StartNew();
        while (seen.Count == 0 || seen[^1].Learnt < 25)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"learnt {stage.OrderLinesLearnt} of 25 orders in 60 s ({string.Join(", ", seen.Select(v => v.Learnt))} seen)");
            var learnt = stage.OrderLinesLearnt;
            if (seen.Count == 0 || seen[^1].Learnt != learnt)
            {
                seen.Add((learnt, watch.Elapsed));
            }

            await Task.Delay(20);
        }

        var values = seen.Select(v => v.Learnt).SkipWhile(v => v == 0).ToList();
        Assert.True(values is [10, 20, 25] or [20, 25], $"learnt counts seen: {string.Join(", ", values)}");

        // The last 5 waited for the age (4 s from when the first of them was read, just before the full batches landed).
        var atSize = seen.Single(v => v.Learnt == 25).At - seen.Single(v => v.Learnt == 20).At;
        Assert.True(atSize > TimeSpan.FromSeconds(2), $"the last 5 orders were learnt {atSize.TotalSeconds:0.0} s after the full batches");
        Assert.Equal(3, stage.Catalogue.Count);
        Assert.Equal(25, stage.Catalogue.Sum(p => p.TimesSeen));
        await host.StopAsync();
    }

    [Fact]
    public async Task Enricher_MemoryStore_RemembersCatalogueAcrossRestart()
    {
        var config = Broker.Config().With("Stages:context-enricher:MaxStaleness", "00:00:00");
        Order("P-7", "Ladies Hand Bag", 1350, 1);
        using (var first = RunCommand.Build(CommandLine.Parse(["--role", "context-enricher"]), config))
        {
            await first.StartAsync();
            Assert.True(await TestConfig.Eventually(() => first.Services.GetRequiredService<Stages.ContextEnricher.ContextEnricherStage>().Catalogue.Count == 1, TimeSpan.FromSeconds(20)));
            await first.StopAsync();
        }

        // A new process (same group, so the order is not read again) still knows the product from the DuckDB file.
        using var second = RunCommand.Build(CommandLine.Parse(["--role", "context-enricher"]), config);
        await second.StartAsync();
        Post("p9", "ei bag ta kinte chai");
        Assert.True(await TestConfig.Eventually(() => Enriched().ContainsKey("p9"), TimeSpan.FromSeconds(20)));
        Assert.Equal(["P-7"], Enriched()["p9"].MatchedProductIds);
        Assert.Equal(0, second.Services.GetRequiredService<Observability.PipelineMetrics>().Stage("context-enricher").In - 1);
        await second.StopAsync();
    }

    /// <summary>
    /// A Shopify custom item ("line:" product id) carries what the seller typed for one customer; it must not become a
    /// catalogue product that other people's posts are matched with and enriched by.
    /// </summary>
    [Fact]
    public async Task Enricher_CustomLineItem_NeverEntersTheCatalogueNorAnotherPostsEnrichment()
    {
        var config = Broker.Config().With("Stages:context-enricher:MaxStaleness", "00:00:00").With("Stages:context-enricher:SemanticMatching", "false");
        Order("line:9001", "Panjabi for Nasrin Akter, House 12 Dhanmondi", 2200, 1);
        Order("P-1", "Cotton Panjabi", 1800, 2);
        using var host = RunCommand.Build(CommandLine.Parse(["--role", "context-enricher"]), config);
        await host.StartAsync();
        var stage = host.Services.GetRequiredService<Stages.ContextEnricher.ContextEnricherStage>();
        Assert.True(await TestConfig.Eventually(() => stage.OrderLinesLearnt == 2, TimeSpan.FromSeconds(20)));

        Post("p1", "ei panjabi ta kinte chai, Nasrin apa");
        Assert.True(await TestConfig.Eventually(() => Enriched().ContainsKey("p1"), TimeSpan.FromSeconds(20)));
        await host.StopAsync();

        Assert.Equal(["P-1"], stage.Catalogue.Select(p => p.ProductId));
        Assert.Equal(["P-1"], Enriched()["p1"].MatchedProductIds);
        Assert.DoesNotContain("Nasrin Akter", Enriched()["p1"].EnrichedContent, StringComparison.Ordinal);
        Assert.DoesNotContain("Dhanmondi", Enriched()["p1"].EnrichedContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enricher_SemanticMatching_FindsAProductByMeaningOnlyWhenOn()
    {
        Order("P-S", "Sunscreen SPF 50", 650, 1);
        Order("P-L", "Gaming Laptop RTX 4060", 145000, 2);

        // No keyword, name or id of either product in the post: only its meaning points at the sunscreen.
        var keywordsOnly = Broker.Config().With("Stages:context-enricher:MaxStaleness", "00:00:00").With("Stages:context-enricher:SemanticMatching", "false");
        using (var host = RunCommand.Build(CommandLine.Parse(["--role", "context-enricher"]), keywordsOnly))
        {
            await host.StartAsync();
            Assert.Null(host.Services.GetService<Stages.ContextEnricher.SemanticCatalogue>());
            Assert.True(await TestConfig.Eventually(() => host.Services.GetRequiredService<Stages.ContextEnricher.ContextEnricherStage>().Catalogue.Count == 2, TimeSpan.FromSeconds(20)));
            Assert.True(await TestConfig.Eventually(() => host.Services.GetRequiredService<Stages.ContextEnricher.ContextEnricherStage>().OrderLinesLearnt == 2, TimeSpan.FromSeconds(5)));
            Post("s1", "cream to protect my skin from the sun");
            Assert.True(await TestConfig.Eventually(() => Enriched().ContainsKey("s1"), TimeSpan.FromSeconds(20)));
            Assert.Empty(Enriched()["s1"].MatchedProductIds);
            await host.StopAsync();
        }

        var semantic = Broker.Config().With("Stages:context-enricher:MaxStaleness", "00:00:00");
        using var second = RunCommand.Build(CommandLine.Parse(["--role", "context-enricher"]), semantic);
        await second.StartAsync();
        var names = second.Services.GetRequiredService<Stages.ContextEnricher.SemanticCatalogue>();
        Assert.True(await TestConfig.Eventually(() => names.Embedded == 2 && names.Pending == 0, TimeSpan.FromSeconds(30)), "product names not embedded");
        Post("s2", "cream to protect my skin from the sun");
        Assert.True(await TestConfig.Eventually(() => Enriched().ContainsKey("s2"), TimeSpan.FromSeconds(20)));
        Assert.Equal(["P-S"], Enriched()["s2"].MatchedProductIds);
        Assert.Contains("| Product: Sunscreen SPF 50, price 650 BDT", Enriched()["s2"].EnrichedContent, StringComparison.Ordinal);
        await second.StopAsync();
    }
}
