using System.Diagnostics;
using System.Security.Cryptography;
using MillionX.Pipeline.Observability;
using Xunit.Abstractions;
using static MillionX.Pipeline.Tests.Reliability.ReliabilitySupport;

namespace MillionX.Pipeline.Tests.Reliability;

public enum Outage
{
    /// <summary>Every request answered 500.</summary>
    ServerError,

    /// <summary>Every request answered 429 (no Retry-After, so the client's own backoff paces it).</summary>
    Throttled,

    /// <summary>Requests are received and never answered.</summary>
    Hang,

    /// <summary>The port is closed: connects fail with ECONNREFUSED.</summary>
    Refused,

    /// <summary>The port accepts and at once resets every connection (counted by the gate).</summary>
    Reset,
}

/// <summary>
/// The production stages in the host (RunCommand.Build with overrides pointing at the fakes) while Snowflake, Weaviate or
/// Redis is down for a while: the stage backs off (bounded request count, no hot loop), stores no offsets during the
/// outage (the group's committed offsets do not move), recovers by itself, and every record lands.
/// </summary>
[Collection(SerialReliabilityCollection.Name)]
public sealed class DependencyOutageTests(ITestOutputHelper output) : BrokerTest
{
    private const string Account = "XY12345";
    private const string User = "LOADER";

    /// <summary>How long each outage is held once the stage has noticed it.</summary>
    private static readonly TimeSpan OutageLength = TimeSpan.FromSeconds(6);

    /// <summary>
    /// Most requests (or retried failures) tolerated during one outage. With the backoffs configured below a stage makes
    /// about 10-20 in 6 s; a hot loop makes thousands.
    /// </summary>
    private const int MaxRequestsDuringOutage = 40;

    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Every kind of outage: each dependency test runs once for each.</summary>
    public static TheoryData<Outage> Outages => new(Enum.GetValues<Outage>());

    [Theory]
    [MemberData(nameof(Outages))]
    public async Task WarehouseSink_SnowflakeOutage_BacksOffStoresNoOffsetsRecoversAndLosesNothing(Outage outage)
    {
        using var key = RSA.Create(2048);
        await using var snowflake = await FakeSnowflake.StartAsync(key.ExportSubjectPublicKeyInfo(), $"{Account}.{User}");
        using var gate = new TcpGate(snowflake.Url);
        var prefix = $"t{Guid.NewGuid():N}-";
        var group = prefix + "warehouse-sink";
        var config = SnowflakeSinkConfig(prefix, gate.Url, key)
            .With("Warehouse:Snowflake:HttpTimeout", "00:00:01")
            .With("Stages:warehouse-sink:RetryMaxDelay", "00:00:02");
        using var host = await RoleHost.StartAsync("warehouse-sink", config);

        ProduceOrders(0, 40);
        var committedBefore = await CommittedOnceCaughtUpAsync(group, Topics.AnonymisedOrders, 4, "no batch before the outage", records: 40);

        var requests = () => outage switch
        {
            Outage.Refused => (long)Metric("millionx_warehouse_flush_failures_total", "writer=\"snowflake\""),
            Outage.Reset => gate.Resets,
            _ => snowflake.Posts.Count,
        };
        var atStart = requests();
        Begin(outage, gate, () => snowflake.Outage = outage switch
        {
            Outage.ServerError => FakeReply.ServerError(500),
            Outage.Throttled => FakeReply.Throttled(),
            _ => FakeReply.Hang(),
        });
        ProduceOrders(40, 60);
        await HoldOutage(() => requests() > atStart, () => Committed(Broker.Bootstrap, group, Topics.AnonymisedOrders, 4), committedBefore);
        var during = requests() - atStart;
        snowflake.Outage = null;
        gate.Accept();
        output.WriteLine($"{outage}: {during} {outage switch { Outage.Refused => "failed batches", Outage.Reset => "connections reset", _ => "requests" }} during {OutageLength.TotalSeconds:0} s of outage");

        Assert.True(await TestConfig.Eventually(() => CaughtUp(Broker.Bootstrap, group, Topics.AnonymisedOrders, 4), TimeSpan.FromSeconds(60)), "did not recover");
        Assert.InRange(during, 1, MaxRequestsDuringOutage);
        var landed = snowflake.Posts
            .Where(p => p.Answer == 200 && p.Statement!.StartsWith("MERGE INTO ORDERS ", StringComparison.Ordinal))
            .SelectMany(p => p.Bindings).ToHashSet(StringComparer.Ordinal);
        Assert.All(Enumerable.Range(0, 100), i => Assert.Contains($"OUT-{i}", landed));

        // When the first attempt never reached the server (refused or reset at connect), the fake sees the retry first,
        // with retry=true. The client cannot tell in general whether an attempt arrived, and Snowflake runs a retry=true
        // request it has not seen, so that is no breach here; anything else is.
        Assert.DoesNotContain(snowflake.Violations, v => !(outage is Outage.Refused or Outage.Reset
            && v.StartsWith("retry=true on the first submission", StringComparison.Ordinal)));
        await host.StopAsync();
    }

    /// <summary>
    /// Back-pressure without leaving the group: with a small in-flight limit and max.poll.interval.ms of 10 s, a 20 s
    /// Snowflake outage fills the stage; the consumer pauses its partitions and keeps polling instead of blocking, so it
    /// is never revoked, and after the outage every order lands exactly once (a consumer that blocked past
    /// max.poll.interval.ms leaves the group, loses its partitions and writes the re-read records a second time).
    /// </summary>
    [Fact]
    public async Task WarehouseSink_LongOutageWithFullInFlight_PausesStaysInGroupAndWritesEachOrderOnce()
    {
        using var key = RSA.Create(2048);
        await using var snowflake = await FakeSnowflake.StartAsync(key.ExportSubjectPublicKeyInfo(), $"{Account}.{User}");
        var prefix = $"t{Guid.NewGuid():N}-";
        var group = prefix + "warehouse-sink";
        var config = SnowflakeSinkConfig(prefix, snowflake.Url.ToString(), key)
            .With("Kafka:MaxInFlightPerStage", "40")
            .With("Kafka:Consumer:max.poll.interval.ms", "10000")
            .With("Kafka:Consumer:session.timeout.ms", "6000")
            .With("Stages:warehouse-sink:MaxBatchRecords", "20")
            .With("Stages:warehouse-sink:RetryMaxDelay", "00:00:01");
        using var host = RunCommand.Build(CommandLine.Parse(["--role", "warehouse-sink"]), config);
        var counters = host.Services.GetRequiredService<PipelineMetrics>().Stage("warehouse-sink");
        await host.StartAsync();

        ProduceOrders(0, 40);
        Assert.True(await TestConfig.Eventually(() => CaughtUp(Broker.Bootstrap, group, Topics.AnonymisedOrders, 4), TimeSpan.FromSeconds(60)), "no batch before the outage");
        var assignedBefore = counters.Assignments;

        snowflake.Outage = FakeReply.ServerError(500);
        ProduceOrders(40, 400);
        Assert.True(await TestConfig.Eventually(() => counters.IsPaused, TimeSpan.FromSeconds(30)), "the consumer never paused");
        await Task.Delay(TimeSpan.FromSeconds(20));
        Assert.True(counters.IsPaused, "resumed during the outage");
        snowflake.Outage = null;

        Assert.True(await TestConfig.Eventually(() => CaughtUp(Broker.Bootstrap, group, Topics.AnonymisedOrders, 4), TimeSpan.FromSeconds(60)), "did not recover");
        Assert.True(await TestConfig.Eventually(() => !counters.IsPaused, TimeSpan.FromSeconds(10)), "still paused after the outage");
        Assert.Equal(0, counters.Revocations);
        Assert.Equal(assignedBefore, counters.Assignments);
        var landed = snowflake.Posts
            .Where(p => p.Answer == 200 && p.Statement!.StartsWith("MERGE INTO ORDERS ", StringComparison.Ordinal))
            .SelectMany(p => p.Bindings).OfType<string>().Where(b => b.StartsWith("OUT-", StringComparison.Ordinal))
            .GroupBy(b => b, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        Assert.All(Enumerable.Range(0, 440), i => Assert.Equal(1, landed.GetValueOrDefault($"OUT-{i}")));
        await host.StopAsync();
    }

    [Theory]
    [MemberData(nameof(Outages))]
    public async Task EmbeddingService_WeaviateOutage_BacksOffStoresNoOffsetsRecoversAndLosesNothing(Outage outage)
    {
        await using var weaviate = await FakeWeaviate.StartAsync();
        using var gate = new TcpGate(new Uri(weaviate.Url));
        var prefix = $"t{Guid.NewGuid():N}-";
        var group = prefix + "embedding-service";
        var config = Broker.Config(prefix)
            .With("VectorStore:Store", "weaviate")
            .With("VectorStore:Weaviate:Url", gate.Url)
            .With("VectorStore:Weaviate:MaxAttempts", "2")
            .With("VectorStore:Weaviate:InitialBackoff", "00:00:00.100")
            .With("VectorStore:Weaviate:MaxBackoff", "00:00:00.400")
            .With("VectorStore:Weaviate:HttpTimeout", "00:00:01");
        using var host = await RoleHost.StartAsync("embedding-service", config);

        ProducePosts(0, 20);
        var committedBefore = await CommittedOnceCaughtUpAsync(group, Topics.EnrichedPosts, 6, "no vectors before the outage", records: 20);

        var batches = () => outage == Outage.Reset ? gate.Resets : weaviate.BatchRequests.Count;
        var atStart = batches();
        var connectionsAtStart = gate.Connections;
        Begin(outage, gate, () => weaviate.StartOutage(outage switch
        {
            Outage.ServerError => 500,
            Outage.Throttled => 429,
            _ => null,
        }));
        ProducePosts(20, 30);

        // A refused connect reaches no server, so nothing counts it: the gate's closed port is noticed by waiting out the
        // first backoff; the bound is then the recovery itself plus the unchanged offsets.
        var refusedNoticed = Stopwatch.StartNew();
        await HoldOutage(outage == Outage.Refused ? () => refusedNoticed.Elapsed > TimeSpan.FromSeconds(1) : () => batches() > atStart,
            () => Committed(Broker.Bootstrap, group, Topics.EnrichedPosts, 6), committedBefore);
        var during = batches() - atStart;
        weaviate.EndOutage();
        gate.Accept();
        output.WriteLine($"{outage}: {during} {(outage == Outage.Reset ? "connections reset" : "batch requests")} during {OutageLength.TotalSeconds:0} s of outage");

        Assert.True(await TestConfig.Eventually(() => CaughtUp(Broker.Bootstrap, group, Topics.EnrichedPosts, 6), TimeSpan.FromSeconds(90)), "did not recover");
        if (outage == Outage.Refused)
        {
            Assert.Equal(0, during);
            Assert.True(gate.Connections > connectionsAtStart, "no connection after the port reopened");
        }
        else
        {
            Assert.InRange(during, 1, MaxRequestsDuringOutage);
        }

        Assert.Equal(50, weaviate.Count("SocialPost"));
        Assert.All(Enumerable.Range(0, 50), i => Assert.Contains(("SocialPost", FakeWeaviate.ExpectedId("tiktok", $"OUT-{i}")), weaviate.Objects.Keys));
        Assert.Empty(weaviate.Violations);
        await host.StopAsync();
    }

    [Fact]
    public async Task ContextEnricher_RedisDown_BacksOffStoresNoOffsetsRecoversAndLosesNothing()
    {
        using var redis = new RedisServer();
        var prefix = $"t{Guid.NewGuid():N}-";
        var group = prefix + "context-enricher";
        var config = Broker.Config(prefix)
            .WithRedisCatalogue(redis, prefix)
            .With("Stages:context-enricher:MaxStaleness", "00:00:00")
            .With("Stages:context-enricher:RetryInitialDelay", "00:00:00.200")
            .With("Stages:context-enricher:RetryMaxDelay", "00:00:01");
        using var host = await RoleHost.StartAsync("context-enricher", config);
        Produce(Broker.Bootstrap, Topics.AnonymisedOrders, [("O-1", JsonSerializer.SerializeToUtf8Bytes(new AnonymisedOrder
        {
            Platform = "daraz", OrderId = "O-1", MerchantId = "M", ProductId = "P-1", ProductName = "Jamdani Shari", Quantity = 1, Price = 4500,
            Currency = "BDT", OrderStatus = "paid", Timestamp = T0, HashKeyId = "k1",
        }, ContractJson.Default.AnonymisedOrder))]);

        // Orders and posts are different topics with no order between them: posts wait until the catalogue knows P-1.
        var enricher = host.Services.GetRequiredService<Stages.ContextEnricher.ContextEnricherStage>();
        Assert.True(await TestConfig.Eventually(() => enricher.Catalogue.Count == 1, TimeSpan.FromSeconds(30)), "the order never reached the catalogue");
        ProduceAnonymisedPosts(0, 10);
        var committedBefore = await CommittedOnceCaughtUpAsync(group, Topics.AnonymisedPosts, 6, "no posts before the outage");

        var failures = () => (long)Metric("millionx_catalogue_store_failures_total");
        var atStart = failures();
        redis.Stop();
        ProduceAnonymisedPosts(10, 20);
        await HoldOutage(() => failures() > atStart, () => Committed(Broker.Bootstrap, group, Topics.AnonymisedPosts, 6), committedBefore);
        var during = failures() - atStart;
        redis.Start();
        output.WriteLine($"redis down: {during} retried store failures during {OutageLength.TotalSeconds:0} s");

        Assert.True(await TestConfig.Eventually(() => CaughtUp(Broker.Bootstrap, group, Topics.AnonymisedPosts, 6), TimeSpan.FromSeconds(60)), "did not recover");
        Assert.InRange(during, 1, MaxRequestsDuringOutage);
        var enriched = Broker.ReadAll(Topics.EnrichedPosts)
            .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.EnrichedPost)!)
            .GroupBy(p => p.PostId).ToDictionary(g => g.Key, g => g.Last());
        Assert.Equal(30, enriched.Count);
        Assert.All(Enumerable.Range(0, 30), i => Assert.Equal(["P-1"], enriched[$"OUT-{i}"].MatchedProductIds));
        await host.StopAsync();
    }

    /// <summary>The warehouse sink writing to Snowflake at <paramref name="accountUrl"/> with short retries and backoffs.</summary>
    private Dictionary<string, string?> SnowflakeSinkConfig(string prefix, string accountUrl, RSA key) => Broker.Config(prefix)
        .With("Warehouse:Writer", "snowflake")
        .With("Warehouse:Snowflake:AccountUrl", accountUrl)
        .With("Warehouse:Snowflake:Account", Account)
        .With("Warehouse:Snowflake:User", User)
        .With("Warehouse:Snowflake:PrivateKey", key.ExportPkcs8PrivateKeyPem())
        .With("Warehouse:Snowflake:MaxAttempts", "2")
        .With("Warehouse:Snowflake:InitialBackoff", "00:00:00.100")
        .With("Warehouse:Snowflake:MaxBackoff", "00:00:00.400")
        .With("Warehouse:Snowflake:PollInterval", "00:00:00.100")
        .With("Stages:warehouse-sink:MaxBatchAge", "00:00:00.200")
        .With("Stages:warehouse-sink:RetryInitialDelay", "00:00:00.200");

    /// <summary>
    /// Waits until the group has caught up on the topic (and, when given, committed all <paramref name="records"/>), then
    /// returns its committed offsets: what an outage must leave as they are.
    /// </summary>
    private async Task<long> CommittedOnceCaughtUpAsync(string group, string topic, int partitions, string failure, long? records = null)
    {
        Assert.True(await TestConfig.Eventually(() => CaughtUp(Broker.Bootstrap, group, topic, partitions), TimeSpan.FromSeconds(60)), failure);
        var committed = Committed(Broker.Bootstrap, group, topic, partitions);
        if (records is { } all)
        {
            Assert.Equal(all, committed);
        }

        return committed;
    }

    private static void Begin(Outage outage, TcpGate gate, Action startFakeOutage)
    {
        if (outage == Outage.Refused)
        {
            gate.Refuse();
        }
        else if (outage == Outage.Reset)
        {
            gate.Reset();
        }
        else
        {
            startFakeOutage();
        }
    }

    /// <summary>
    /// Waits until the stage has run into the outage, then keeps it down for <see cref="OutageLength"/>, checking all
    /// along that the group's committed offsets stay where they were.
    /// </summary>
    private static async Task HoldOutage(Func<bool> noticed, Func<long> committed, long committedBefore)
    {
        Assert.True(await TestConfig.Eventually(noticed, TimeSpan.FromSeconds(60)), "the stage never ran into the outage");
        var held = Stopwatch.StartNew();
        while (held.Elapsed < OutageLength)
        {
            Assert.Equal(committedBefore, committed());
            await Task.Delay(500);
        }

        Assert.Equal(committedBefore, committed());
    }

    private void ProduceOrders(int from, int count) => Produce(Broker.Bootstrap, Topics.AnonymisedOrders, Enumerable.Range(from, count).Select(i =>
        ($"OUT-{i}", JsonSerializer.SerializeToUtf8Bytes(new AnonymisedOrder
        {
            Platform = "shopify", OrderId = $"OUT-{i}", MerchantId = "M-1", ProductId = $"P-{i % 7}", ProductName = "Cotton Panjabi", Quantity = 1,
            Price = 1000 + i, Currency = "BDT", OrderStatus = "paid", Timestamp = T0.AddMinutes(i), HashKeyId = "k1",
        }, ContractJson.Default.AnonymisedOrder))));

    private void ProducePosts(int from, int count) => Produce(Broker.Bootstrap, Topics.EnrichedPosts, Enumerable.Range(from, count).Select(i =>
        ($"OUT-{i}", JsonSerializer.SerializeToUtf8Bytes(new EnrichedPost
        {
            Platform = "tiktok", PostId = $"OUT-{i}", AuthorUsernameHash = "k1_abc", Content = $"Eid er notun shari collection #{i}",
            EngagementCount = i, Timestamp = T0.AddMinutes(i), HashKeyId = "k1", EnrichedContent = $"Eid er notun shari collection #{i}",
        }, ContractJson.Default.EnrichedPost))));

    private void ProduceAnonymisedPosts(int from, int count) => Produce(Broker.Bootstrap, Topics.AnonymisedPosts, Enumerable.Range(from, count).Select(i =>
        ($"OUT-{i}", JsonSerializer.SerializeToUtf8Bytes(new AnonymisedPost
        {
            Platform = "tiktok", PostId = $"OUT-{i}", AuthorUsernameHash = "k1_abc", Content = $"Notun shari collection eseche #{i}",
            EngagementCount = i, Timestamp = T0.AddMinutes(i), HashKeyId = "k1",
        }, ContractJson.Default.AnonymisedPost))));
}
