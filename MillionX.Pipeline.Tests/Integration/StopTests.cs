using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Observability;
using Xunit.Abstractions;

namespace MillionX.Pipeline.Tests.Integration;

/// <summary>
/// Stopping the host while the enricher, the warehouse sink and the vector writer are mid-batch: no store or
/// connection is closed under a worker that still writes (that once surfaced as a fatal
/// "ExecuteNonQuery requires an open connection" from the enricher), no stage fails, and the DuckDB file reopens.
/// </summary>
// Times stops and kills of real processes: run alone, after the parallel tests, so two cores shared with
// the rest of the suite do not decide the outcome.
[Collection(Reliability.SerialReliabilityCollection.Name)]
public sealed class StopTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(0)]
    [InlineData(350)]
    [InlineData(900)]
    public async Task Stop_WhileEveryDuckDbWriterIsBusy_NoStoreClosedUnderAWriterNoStageFails(int extraMs)
    {
        using var broker = new TestBroker();
        var config = broker.Config()
            .With("Stages:sample-source:RatePerSecond", "3000")
            .With("Stages:sample-source:InvalidShare", "0")
            .With("Stages:warehouse-sink:DuckDbMaxBatchAge", "00:00:00.100")
            .With("Stages:context-enricher:MaxStaleness", "00:00:00");
        var duckdb = config["Warehouse:DuckDb:Path"]!;
        var host = RunCommand.Build(CommandLine.Parse(["--profile", "local"]), config);
        var errors = host.Services.GetRequiredService<RecentErrors>();
        var registry = host.Services.GetRequiredService<StageRegistry>();
        var metrics = host.Services.GetRequiredService<PipelineMetrics>();
        var enricher = host.Services.GetRequiredService<Stages.ContextEnricher.ContextEnricherStage>();
        try
        {
            await host.StartAsync();
            Assert.True(await TestConfig.Eventually(
                () => metrics.Stage("warehouse-sink").Out > 0 && metrics.Stage("embedding-service").Out > 0 && enricher.Catalogue.Count > 0,
                TimeSpan.FromSeconds(60)), "the writers never got busy");
            await Task.Delay(extraMs);
            await host.StopAsync();
        }
        finally
        {
            await ((IAsyncDisposable)host).DisposeAsync();
        }

        var bad = errors.Snapshot().Where(e => e.Level is "Error" or "Fatal").ToList();
        foreach (var e in bad)
        {
            output.WriteLine($"{e.Level} {e.Source}: {e.Message} {e.Exception}");
        }

        Assert.Empty(bad);
        Assert.DoesNotContain(registry.All, s => s.State == StageState.Failed);
        Assert.True(DuckDbQuery.Scalar(duckdb, "select count(*) from ORDERS") > 0);
        Assert.True(DuckDbQuery.Scalar(duckdb, "select count(*) from POST_VECTORS") > 0);
        Assert.True(DuckDbQuery.Scalar(duckdb, "select count(*) from PRODUCT_CATALOGUE") > 0);
    }

    /// <summary>
    /// The context-enricher with its catalogue in Redis, stopped while it learns a backlog of orders (one product each,
    /// so a learnt order is a hash of its own): no error or disposed-connection failure, the stage stops cleanly,
    /// Redis does not change once the host is disposed, and every order below the group's committed offsets is in Redis.
    /// With <paramref name="paused"/> Redis is frozen at the stop, so the batch is mid-write for the whole stop.
    /// </summary>
    [Theory]
    [InlineData(0, false)]
    [InlineData(300, false)]
    [InlineData(0, true)]
    public async Task Stop_WhileTheEnricherWritesItsRedisCatalogue_StopsCleanlyAndRedisHoldsWhatWasCommitted(int extraMs, bool paused)
    {
        const int orders = 40_000;
        using var broker = new TestBroker();
        using var redis = new RedisServer();
        var prefix = $"t{Guid.NewGuid():N}-";
        var keys = prefix + "catalogue:";
        var config = broker.Config(prefix)
            .WithRedisCatalogue(redis, keys)
            .With("Stages:context-enricher:SemanticMatching", "false");
        var t0 = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
        Reliability.ReliabilitySupport.Produce(broker.Bootstrap, Kafka.Topics.AnonymisedOrders, Enumerable.Range(0, orders).Select(i => ($"O-{i}",
            JsonSerializer.SerializeToUtf8Bytes(new AnonymisedOrder
            {
                Platform = "daraz", OrderId = $"O-{i}", MerchantId = "M", ProductId = $"P-{i}", ProductName = $"Jamdani Shari {i}", Quantity = 1,
                Price = 100 + i, Currency = "BDT", OrderStatus = "paid", Timestamp = t0.AddSeconds(i), HashKeyId = "k1",
            }, ContractJson.Default.AnonymisedOrder))));

        var host = RunCommand.Build(CommandLine.Parse(["--role", "context-enricher"]), config);
        var errors = host.Services.GetRequiredService<RecentErrors>();
        var registry = host.Services.GetRequiredService<StageRegistry>();
        var enricher = host.Services.GetRequiredService<Stages.ContextEnricher.ContextEnricherStage>();
        long learntAtStop;
        try
        {
            await host.StartAsync();
            Assert.True(await TestConfig.Eventually(() => enricher.OrderLinesLearnt > 0, TimeSpan.FromSeconds(60)), "the enricher never wrote a batch");
            await Task.Delay(extraMs);
            learntAtStop = enricher.OrderLinesLearnt;
            if (paused)
            {
                redis.Pause();
            }

            try
            {
                await host.StopAsync();
            }
            finally
            {
                if (paused)
                {
                    redis.Resume();
                }
            }
        }
        finally
        {
            await ((IAsyncDisposable)host).DisposeAsync();
        }

        output.WriteLine($"learnt {learntAtStop:N0} of {orders:N0} order lines when the stop came, {enricher.OrderLinesLearnt:N0} when it ended");
        Assert.True(learntAtStop < orders, "the enricher had learnt every order before the stop: nothing was mid-batch");

        var bad = errors.Snapshot().Where(e => e.Level is "Error" or "Fatal"
            || $"{e.Message} {e.Exception}".Contains("disposed", StringComparison.OrdinalIgnoreCase)).ToList();
        foreach (var e in bad)
        {
            output.WriteLine($"{e.Level} {e.Source}: {e.Message} {e.Exception}");
        }

        Assert.Empty(bad);
        Assert.DoesNotContain(registry.All, s => s.State == StageState.Failed);

        using var redisClient = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var db = redisClient.GetDatabase();
        var index = (StackExchange.Redis.RedisKey)(keys + "index");
        var stored = await db.SetLengthAsync(index);
        await Task.Delay(1000);
        Assert.Equal(stored, await db.SetLengthAsync(index)); // nothing reaches Redis once the host and its store are disposed

        // Every order the group committed is in Redis, learnt once (a batch is committed only after its write).
        var group = prefix + "context-enricher";
        var partitions = TestConfig.CatalogPartitions()[Kafka.Topics.AnonymisedOrders];
        using var probe = new Confluent.Kafka.ConsumerBuilder<Confluent.Kafka.Ignore, Confluent.Kafka.Ignore>(
            new Confluent.Kafka.ConsumerConfig { BootstrapServers = broker.Bootstrap, GroupId = group }).Build();
        var committed = probe.Committed(Enumerable.Range(0, partitions).Select(p => new Confluent.Kafka.TopicPartition(Kafka.Topics.AnonymisedOrders, p)), TimeSpan.FromSeconds(10))
            .ToDictionary(c => c.Partition.Value, c => c.Offset.Value);
        var committedOrders = broker.ReadAll(Kafka.Topics.AnonymisedOrders)
            .Where(m => m.Offset.Value < committed[m.Partition.Value])
            .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.AnonymisedOrder)!.ProductId)
            .ToList();
        output.WriteLine($"{committedOrders.Count:N0} orders committed, {stored:N0} products in Redis");
        Assert.NotEmpty(committedOrders);
        var seen = await Task.WhenAll(committedOrders.Select(id => db.HashGetAsync(keys + "daraz:" + id, "times_seen")));
        Assert.All(seen, v => Assert.Equal("1", v.ToString()));
    }
}
