using System.Diagnostics;
using System.Security.Cryptography;
using Confluent.Kafka;
using DuckDB.NET.Data;
using MillionX.Pipeline.Commands;
using MillionX.Pipeline.Stages.ContextEnricher;
using MillionX.Pipeline.Stages.DeadLetterMonitor;
using MillionX.Pipeline.Stages.EmbeddingService;
using MillionX.Pipeline.Stages.PrivacyShield;
using MillionX.Pipeline.Stages.VectorSink;
using MillionX.Pipeline.Stages.WarehouseSink;

namespace MillionX.Pipeline.Bench;

/// <summary>
/// Runs every measurement against one embedded broker owned by this process. Each stage runs in its own host built
/// exactly like <c>run --role X</c>, in a fresh consumer group positioned at the end of its input topics, so it
/// reads only the records its measurement produced. Every produced record must come out the other side, and no
/// partition may have dropped any, or the measurement fails instead of reporting a number.
/// </summary>
public sealed class BenchRunner(
    BenchSizes sizes,
    IReadOnlyList<string> configArgs,
    IReadOnlyDictionary<string, string?> baseOverrides,
    EmbeddingOptions embedding,
    ResolvedModel model,
    ResolvedModel? fp32Source,
    ValidationLimits limits,
    IReadOnlyDictionary<string, int> catalog,
    TextWriter progress)
{
    private const string PassthroughTopic = "bench.passthrough";
    private static readonly string[] SourceTopics = [Topics.SocialTiktok, Topics.SocialFacebook, Topics.MarketShopify, Topics.MarketDaraz];

    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private readonly string _dir = Directory.CreateTempSubdirectory("millionx-bench-").FullName;
    private readonly byte[] _hashKey = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _deadLetterKey = RandomNumberGenerator.GetBytes(32);

    // Where the privacy and warehouse measurements put their records: the enricher and whole-pipeline measurements
    // read the same records again with groups of their own, so no topic holds a second copy.
    private Dictionary<TopicPartition, long> _sourcesStart = [];
    private Dictionary<TopicPartition, long> _ordersStart = [];

    public async Task<BenchReport> RunAsync(bool quick, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var workload = new BenchWorkload(limits, _hashKey);
        Log($"generating {sizes.Records:N0} source records, {sizes.WarehouseRows:N0} anonymised orders, {sizes.Embeddings:N0} enriched posts");
        var sources = workload.SourceRecords(sizes.Records, seed: 11);
        var orders = workload.AnonymisedOrders(sizes.WarehouseRows, seed: 12);
        var enriched = workload.EnrichedPosts(seed: 13).Take(sizes.Embeddings).Select(BenchWorkload.ToRecord).ToList();

        var sizing = new TopicSizing(catalog);
        var maxSource = sources.Max(r => r.Bytes);
        var maxAnonymised = sources.Take(500).Max(workload.AnonymisedBytes);
        sizing.Need(PassthroughTopic, sources.Count, maxSource);
        foreach (var topic in SourceTopics)
        {
            sizing.Need(topic, sources.Count(r => r.Topic == topic), maxSource);
        }

        sizing.Need(Topics.AnonymisedPosts, sources.Count(r => r.Topic.StartsWith("source.social.", StringComparison.Ordinal)), maxAnonymised);
        sizing.Need(Topics.AnonymisedOrders, Math.Max(orders.Count, sources.Count(r => r.Topic.StartsWith("source.market.", StringComparison.Ordinal))), Math.Max(maxAnonymised, orders.Max(r => r.Bytes)));
        var maxEnriched = enriched.Max(r => r.Bytes) + 200;
        var latencyRecords = (long)(BenchSizes.MaxOfferedLoadPerS * sizes.LatencyWindow.TotalSeconds);
        sizing.Need(Topics.EnrichedPosts, Math.Max(enriched.Count, latencyRecords), maxEnriched);
        foreach (var topic in new[] { Topics.SocialTiktok, Topics.SocialFacebook, Topics.AnonymisedPosts })
        {
            sizing.Need(topic, latencyRecords, maxEnriched);
        }

        // vector-sink's input, and the whole-pipeline posts (embedding-service hands them to vector-sink through it).
        var maxEmbedded = enriched.Max(r => r.Bytes) + (VectorDimensions * 4 * 4 / 3) + 400;
        sizing.Need(Topics.EnrichedEmbeddings, Math.Max(sizes.VectorSinkPosts, sizes.Embeddings), maxEmbedded);
        sizing.Need(Topics.AnonymisedOrders, sizes.WarehouseGrowthRows, orders.Max(r => r.Bytes));

        // Dead letters: the generator picks the five source kinds evenly (two social, two market, weather); envelopes
        // carry the payload encrypted (base64, about 4/3 of it) plus the errors.
        var maxEnvelope = workload.Rejected(seed: 51).Take(500).Max(r => (r.Raw.Length * 2) + 2_000);
        sizing.Need(Topics.DeadLettersSocial, (long)(sizes.DeadLetters * 0.5) + 100, maxEnvelope);
        sizing.Need(Topics.DeadLettersMarket, (long)(sizes.DeadLetters * 0.5) + 100, maxEnvelope);
        sizing.Need(Topics.DeadLettersWeather, (long)(sizes.DeadLetters * 0.3) + 100, maxEnvelope);

        var partitions = sizing.Partitions();
        var report = new BenchReport
        {
            Quick = quick,
            Machine = BenchMachine.Current(),
            StartedAt = started,
            Scale = sizes.Scale,
            PassthroughRecords = sources.Count,
            PrivacyRecords = sources.Count,
            EmbeddingRecords = enriched.Count,
            WarehouseRows = orders.Count,
            LatencyWindowS = sizes.LatencyWindow.TotalSeconds,
            Partitions = new SortedDictionary<string, int>(partitions.ToDictionary(), StringComparer.Ordinal),
            Model = model.Describe(),
            EmbedModelPrecision = model.Precision,
            EmbedModelSha256 = model.ModelSha256,
        };

        using var broker = EmbeddedBroker.Start(1);
        foreach (var (topic, n) in partitions)
        {
            broker.CreateTopic(topic, n);
        }

        using var tools = BuildHost(["--role", PrivacyShieldStage.StageName], "tools", broker.BootstrapServers, partitions);
        var clients = tools.Services.GetRequiredService<KafkaClientFactory>();
        using var kafka = new BenchKafka(clients, partitions);

        // What later measurements read again stays on the broker until the last of them: the privacy measurement's market
        // sources (whole pipeline, orders) and the warehouse measurement's anonymised orders (both enricher measurements). Everything else is dropped once its measurement has counted it (peak_rss_mb: the mock cluster keeps
        // every record in memory, 5 MiB a partition at most).
        string[] reread = [Topics.MarketShopify, Topics.MarketDaraz, Topics.AnonymisedOrders];
        var marketRecords = sources.Count(r => r.Topic.StartsWith("source.market.", StringComparison.Ordinal));
        var orderCount = orders.Count;
        // The first process to meet a cluster records the privacy key ids on it (KeyFingerprintCheck: about 0.5 s here),
        // once per deployment; every later start only reads them. Done here, so no measured host carries it.
        await tools.Services.GetServices<IHostedService>().OfType<KeyFingerprintCheck>().Single().StartAsync(ct);
        await Measure(report, "broker passthrough", () => Passthrough(kafka, clients, sources, report), () => Truncate(kafka, broker, reread));
        await Measure(report, "privacy stage", () => PrivacyAsync(kafka, broker.BootstrapServers, sources, report, ct), () =>
        {
            // The records are on the broker; the bench's copies are not needed any more, only their count.
            sources.Clear();
            sources.TrimExcess();
            Truncate(kafka, broker, [Topics.MarketShopify, Topics.MarketDaraz]);
        });
        await Measure(report, "warehouse sink", () => WarehouseAsync(kafka, broker.BootstrapServers, orders, workload, report, ct), () =>
        {
            orders.Clear();
            orders.TrimExcess();
        });
        await Measure(report, "context-enricher", () => EnricherAsync(kafka, broker.BootstrapServers, orderCount, workload.AnonymisedPosts(sizes.Embeddings, seed: 14), report, ct),
            () => Truncate(kafka, broker, reread));
        // The last reader of the warehouse measurement's anonymised orders: only the market sources stay for the whole
        // pipeline (it positions its groups at the ends of the topics it writes).
        await Measure(report, $"context-enricher, {sizes.CatalogueProducts:N0} products", () => EnricherAtScaleAsync(kafka, broker.BootstrapServers, orderCount, report, ct),
            () => Truncate(kafka, broker, [Topics.MarketShopify, Topics.MarketDaraz]));
        await Measure(report, "whole pipeline, orders", () => PipelineOrdersAsync(kafka, broker.BootstrapServers, marketRecords, report, ct), () => Truncate(kafka, broker, []));

        // The two DuckDB-heavy measurements (a million warehouse rows, 100,000 stored vectors) come while the broker
        // holds the least data, so their memory and the broker's do not add up into the peak.
        await Measure(report, $"warehouse sink onto {sizes.WarehousePreloadRows:N0} rows", () => WarehouseAtScaleAsync(kafka, broker.BootstrapServers, workload, report, ct),
            () => Truncate(kafka, broker, []));
        await Measure(report, "vector search", () => VectorSearchAsync(report, ct));

        await Measure(report, "embedding model", () => ModelOnly(enriched, report));
        await Measure(report, "embedding stage", () => EmbeddingStageAsync(kafka, broker.BootstrapServers, enriched, report, ct), () => Truncate(kafka, broker, []));
        await Measure(report, "whole pipeline, posts", () => PipelinePostsAsync(kafka, broker.BootstrapServers, workload, enriched, report, ct), () => Truncate(kafka, broker, []));
        await Measure(report, "vector sink", () => VectorSinkAsync(kafka, broker.BootstrapServers, enriched, report, ct), () => Truncate(kafka, broker, []));
        await Measure(report, "dlq monitor", () => DlqMonitorAsync(kafka, broker.BootstrapServers, tools.Services.GetRequiredService<SourcePublisher>(), workload, report, ct),
            () => Truncate(kafka, broker, []));
        if (report.EmbeddingStagePerS is { } capacity)
        {
            var rate = capacity / 2;
            report.OfferedLoadPerS = Math.Round(rate, 1);
            if (rate > BenchSizes.MaxOfferedLoadPerS)
            {
                report.Failures.Add($"latency: half the stage capacity ({rate:0}/s) exceeds the {BenchSizes.MaxOfferedLoadPerS}/s the partitions were sized for");
            }
            else
            {
                await Measure(report, "embed latency", () => EmbedLatencyAsync(kafka, broker.BootstrapServers, workload, rate, report, ct), () => Truncate(kafka, broker, []));
                // The posts path runs two inferences a post, so its own capacity sets its rate: at the embedding stage's
                // half it ran at ~85 % of the pipeline's capacity and measured queueing, not the path.
                var e2eRate = report.PipelinePostsPerS is { } pipeline ? Math.Min(rate, pipeline / 2) : rate;
                report.EndToEndOfferedLoadPerS = Math.Round(e2eRate, 1);
                await Measure(report, "end-to-end latency", () => EndToEndAsync(kafka, broker.BootstrapServers, workload, e2eRate, report, ct));
            }
        }
        else
        {
            report.Failures.Add("latency: not measured, because the embedding stage capacity is unknown");
        }

        report.ComputeRatios();
        report.Machine.LoadAvg1mAtEnd = BenchMachine.LoadAverage();
        report.PeakRssMb = Math.Round(PeakRssBytes() / (1024.0 * 1024.0), 1);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }

        return report;
    }

    /// <summary>
    /// Runs one measurement, then <paramref name="release"/> (what the bench can let go of once the measurement is
    /// over, whether it succeeded or not), and logs where the memory went.
    /// </summary>
    private async Task Measure(BenchReport report, string name, Func<Task> measurement, Action? release = null)
    {
        Log(name + " ...");
        using var sampler = new RssSampler();
        try
        {
            try
            {
                await measurement();
            }
            finally
            {
                release?.Invoke();
                BenchMemory.Release();
            }

            var (maxRssKb, managedAtMax) = sampler.Max;
            Log($"{name} done (rss {StatusMb("VmRSS:"):N0} MiB; during it at most {maxRssKb / 1024:N0} MiB, of which GC-committed {managedAtMax / (1024 * 1024):N0} MiB; "
                + $"process peak {StatusMb("VmHWM:"):N0} MiB)");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // One measurement failing (a stage that would not start, lost data, a timeout) is reported in place of its
            // figure; the others still run, and the command exits non-zero.
            report.Failures.Add($"{name}: {ex.Message}");
            Log($"{name} FAILED: {ex.Message}");
        }
    }

    /// <summary>Drops every record on the broker except those on <paramref name="keep"/>; see <see cref="BenchKafka.Truncate"/>.</summary>
    private void Truncate(BenchKafka kafka, EmbeddedBroker broker, string[] keep)
    {
        var dropped = kafka.Truncate(broker, kafka.Partitions.Keys.Except(keep, StringComparer.Ordinal));
        if (dropped > 0)
        {
            Log($"dropped {dropped:N0} counted records from the broker");
        }
    }

    private Task Passthrough(BenchKafka kafka, KafkaClientFactory clients, List<BenchRecord> records, BenchReport report)
    {
        var config = clients.ConsumerConfig("bench-passthrough");
        config.GroupId = $"bench-{_runId}-passthrough";
        using var assigned = new ManualResetEventSlim();
        long consumed = 0, lastConsumed = 0;
        var total = records.Count;
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var consumer = Task.Factory.StartNew(() =>
        {
            using var c = clients.ConsumerBuilder<byte[]?, byte[]>("bench-passthrough", config).SetPartitionsAssignedHandler((_, _) => assigned.Set()).Build();
            c.Subscribe(PassthroughTopic);
            try
            {
                while (consumed < total && !stop.IsCancellationRequested)
                {
                    var r = c.Consume(TimeSpan.FromMilliseconds(100));
                    if (r is null || r.IsPartitionEOF)
                    {
                        continue;
                    }

                    c.StoreOffset(r);
                    consumed++;
                    lastConsumed = Stopwatch.GetTimestamp();
                }
            }
            finally
            {
                c.Close();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        if (!assigned.Wait(TimeSpan.FromSeconds(30)))
        {
            stop.Cancel();
            throw new BenchFailedException("the passthrough consumer was not assigned its partitions within 30 s");
        }

        var start = Ends(kafka, PassthroughTopic);
        var t0 = Stopwatch.GetTimestamp();
        try
        {
            kafka.ProduceAll(records.Select(r => r with { Topic = PassthroughTopic }), "passthrough");
        }
        finally
        {
            // A failed produce must not leave the consumer waiting for records that will never come.
            if (!consumer.Wait(TimeSpan.FromMinutes(2)))
            {
                stop.Cancel();
                consumer.Wait();
            }
        }

        if (consumed != total)
        {
            throw new BenchFailedException($"produced {total:N0} records but consumed {consumed:N0}");
        }

        kafka.AssertNothingLost("passthrough", start);
        report.BrokerPassthroughMsgsPerS = Rate(total, t0, lastConsumed);
        return Task.CompletedTask;
    }

    private async Task PrivacyAsync(BenchKafka kafka, string bootstrap, List<BenchRecord> records, BenchReport report, CancellationToken ct)
    {
        var prefix = GroupPrefix("privacy");
        var start = Ends(kafka, SourceTopics);
        _sourcesStart = start;
        var sinkStart = Ends(kafka, Topics.AnonymisedPosts, Topics.AnonymisedOrders);
        kafka.PositionGroup(prefix + PrivacyShieldStage.StageName, start);
        kafka.ProduceAll(records, "privacy");

        using var host = BuildHost(["--role", PrivacyShieldStage.StageName], "privacy", bootstrap, kafka.Partitions, prefix);
        var target = sinkStart.Values.Sum() + records.Count;
        var stage = host.Services.GetRequiredService<PipelineMetrics>().Stage(PrivacyShieldStage.StageName);
        var started = Stopwatch.GetTimestamp();
        await host.StartAsync(ct);

        // Timed from the stage's partition assignment, as the passthrough is timed once its consumer is assigned: the
        // host's start and the group's join are a fixed cost, reported on their own (privacy_start_ms), not a rate.
        var t0 = await WaitUntil(() => stage.Assignments > 0, TimeSpan.FromSeconds(30), "privacy: the stage was not assigned its partitions", pollMs: 1);
        report.PrivacyStartMs = Math.Round((t0 - started) * 1000.0 / Stopwatch.Frequency, 1);
        var t1 = await WaitUntil(() => kafka.EndSum(Topics.AnonymisedPosts, Topics.AnonymisedOrders) >= target, TimeSpan.FromMinutes(3), "privacy: the sink topics did not receive every record");
        var produced = kafka.EndSum(Topics.AnonymisedPosts, Topics.AnonymisedOrders) - sinkStart.Values.Sum();
        if (produced != records.Count)
        {
            throw new BenchFailedException($"privacy: {records.Count:N0} records in, {produced:N0} out");
        }

        await AssertCaughtUp(host, "privacy", ct);
        kafka.AssertNothingLost("privacy", start);
        kafka.AssertNothingLost("privacy", sinkStart);
        await host.StopAsync(CancellationToken.None);
        report.PrivacyStageMsgsPerS = Rate(records.Count, t0, t1);
    }

    private async Task WarehouseAsync(BenchKafka kafka, string bootstrap, List<BenchRecord> orders, BenchWorkload workload, BenchReport report, CancellationToken ct)
    {
        var start = Ends(kafka, Topics.AnonymisedOrders, Topics.Weather);
        _ordersStart = start.Where(e => e.Key.Topic == Topics.AnonymisedOrders).ToDictionary();

        // The host is gone before the appender baselines run: its DuckDB file, consumer and buffers do not add to them.
        // They read the same orders again from the workload (same seed), 10,000 at a time, as the bench's copies were
        // dropped once on the broker.
        var count = orders.Count;
        var (rate, avgBatch) = await TimeWarehouseAsync(kafka, bootstrap, "warehouse", orders, ct);
        report.WarehouseRowsPerS = rate;
        report.WarehouseAvgBatchRows = avgBatch;
        report.AppenderRowsPerS = AppenderBaseline(workload.AnonymisedOrderStream(seed: 12).Take(count), count, batchRows: null);
        report.AppenderBatchedRowsPerS = AppenderBaseline(workload.AnonymisedOrderStream(seed: 12).Take(count), count, batchRows: (int)Math.Round(avgBatch));
    }

    /// <summary>
    /// The context-enricher alone, as it runs by default (semantic matching on): first learning the warehouse
    /// measurement's anonymised orders (until the catalogue has counted every line), then enriching the privacy
    /// measurement's first posts (one model inference a post) until each is on <c>enriched.weaviate.vectors</c>.
    /// </summary>
    private async Task EnricherAsync(BenchKafka kafka, string bootstrap, int orders, List<BenchRecord> posts, BenchReport report, CancellationToken ct)
    {
        var prefix = GroupPrefix("enricher");
        var group = prefix + ContextEnricherStage.StageName;
        kafka.PositionGroup(group, _ordersStart.Concat(Ends(kafka, Topics.AnonymisedPosts)).ToDictionary());
        using var host = BuildHost(["--role", ContextEnricherStage.StageName], "enricher", bootstrap, kafka.Partitions, prefix);
        var stage = host.Services.GetServices<IHostedService>().OfType<ContextEnricherStage>().Single();
        var t0 = Stopwatch.GetTimestamp();
        await host.StartAsync(ct);
        var t1 = await WaitUntil(() => stage.OrderLinesLearnt >= orders, TimeSpan.FromMinutes(3), "enricher: the catalogue did not learn every order");
        var learnt = stage.OrderLinesLearnt;
        if (learnt != orders)
        {
            throw new BenchFailedException($"enricher: {orders:N0} order lines in, {learnt:N0} learnt");
        }

        report.EnricherOrdersPerS = Rate(orders, t0, t1);

        // Posts: a bounded number (each costs a model inference), produced once the catalogue is learnt.
        var outStart = kafka.EndSum(Topics.EnrichedPosts);
        var postsAt = Stopwatch.GetTimestamp();
        kafka.ProduceAll(posts, "enricher posts");
        var t3 = await WaitUntil(() => kafka.EndSum(Topics.EnrichedPosts) - outStart >= posts.Count, TimeSpan.FromSeconds(60 + (posts.Count / 10)),
            "enricher: not every post was enriched");
        await AssertCaughtUp(host, "enricher", ct);
        await host.StopAsync(CancellationToken.None);
        report.EnricherPostsPerS = Rate(posts.Count, postsAt, t3);
    }

    /// <summary>
    /// Orders through the whole path at saturation: the privacy measurement's market records, read again from the
    /// source topics by privacy-shield, then context-enricher and warehouse-sink, all in one host; counted only when
    /// every order is a row in ORDERS and a line in the catalogue.
    /// </summary>
    private async Task PipelineOrdersAsync(BenchKafka kafka, string bootstrap, int market, BenchReport report, CancellationToken ct)
    {
        var prefix = GroupPrefix("pipeline");
        var marketStart = _sourcesStart.Where(e => e.Key.Topic.StartsWith("source.market.", StringComparison.Ordinal)).ToDictionary();
        kafka.PositionGroup(prefix + PrivacyShieldStage.StageName, marketStart.Concat(Ends(kafka, Topics.SocialTiktok, Topics.SocialFacebook)).ToDictionary());
        var sinks = Ends(kafka, Topics.AnonymisedOrders, Topics.AnonymisedPosts, Topics.Weather);
        kafka.PositionGroup(prefix + ContextEnricherStage.StageName, sinks.Where(e => e.Key.Topic != Topics.Weather).ToDictionary());
        kafka.PositionGroup(prefix + WarehouseSinkStage.StageName, sinks.Where(e => e.Key.Topic != Topics.AnonymisedPosts).ToDictionary());
        using var host = BuildHost(
            ["--role", $"{PrivacyShieldStage.StageName},{ContextEnricherStage.StageName},{WarehouseSinkStage.StageName}"], "pipeline", bootstrap, kafka.Partitions, prefix,
            new Dictionary<string, string?> { ["Stages:warehouse-sink:DuckDbMaxBatchAge"] = "00:00:00.500" });
        var warehouse = host.Services.GetServices<IHostedService>().OfType<WarehouseSinkStage>().Single();
        var enricher = host.Services.GetServices<IHostedService>().OfType<ContextEnricherStage>().Single();
        var t0 = Stopwatch.GetTimestamp();
        await host.StartAsync(ct);
        var t1 = await WaitUntil(
            () => warehouse.RowsByTable.GetValueOrDefault(WarehouseTables.Orders) >= market && enricher.OrderLinesLearnt >= market,
            TimeSpan.FromMinutes(3), "whole pipeline: not every order reached ORDERS and the catalogue");
        var rows = warehouse.RowsByTable.GetValueOrDefault(WarehouseTables.Orders);
        if (rows != market)
        {
            throw new BenchFailedException($"whole pipeline: {market:N0} orders in, {rows:N0} ORDERS rows");
        }

        await AssertCaughtUp(host, "whole pipeline", ct);
        kafka.AssertNothingLost("whole pipeline", marketStart);
        await host.StopAsync(CancellationToken.None);
        report.PipelineOrders = market;
        report.PipelineOrdersPerS = Rate(market, t0, t1);
    }

    /// <summary>
    /// The context-enricher learning the same orders as <see cref="EnricherAsync"/>, but with
    /// <see cref="BenchSizes.CatalogueProducts"/> products already in its persisted catalogue (PRODUCT_CATALOGUE, made by
    /// the store itself and filled in one statement): a restarted enricher of a large shop. The store reads them before
    /// timing, as it does on its first use. The stage's own cache loads them only when a post needs them, and this
    /// measurement has no posts, so the one-off embedding of the products' names for semantic matching is not in it.
    /// </summary>
    private async Task EnricherAtScaleAsync(BenchKafka kafka, string bootstrap, int orders, BenchReport report, CancellationToken ct)
    {
        const string name = "enricher-catalogue";
        var products = sizes.CatalogueProducts;
        var loading = Stopwatch.GetTimestamp();
        await BenchPreload.CatalogueAsync(Path.Combine(_dir, name + ".duckdb"), products, ct);
        Log($"catalogue of {products:N0} products written in {Stopwatch.GetElapsedTime(loading).TotalSeconds:0.0} s");

        var prefix = GroupPrefix(name);
        kafka.PositionGroup(prefix + ContextEnricherStage.StageName, _ordersStart.Concat(Ends(kafka, Topics.AnonymisedPosts)).ToDictionary());
        using var host = BuildHost(["--role", ContextEnricherStage.StageName], name, bootstrap, kafka.Partitions, prefix);
        var stage = host.Services.GetServices<IHostedService>().OfType<ContextEnricherStage>().Single();
        var store = host.Services.GetRequiredService<ICatalogueStore>();
        var known = (await store.LoadAsync(ct)).Count;
        if (known != products)
        {
            throw new BenchFailedException($"enricher at scale: {products:N0} products written, the store read {known:N0}");
        }

        var t0 = Stopwatch.GetTimestamp();
        await host.StartAsync(ct);
        var t1 = await WaitUntil(() => stage.OrderLinesLearnt >= orders, TimeSpan.FromMinutes(3), "enricher at scale: the catalogue did not learn every order");
        if (stage.OrderLinesLearnt != orders)
        {
            throw new BenchFailedException($"enricher at scale: {orders:N0} order lines in, {stage.OrderLinesLearnt:N0} learnt");
        }

        await AssertCaughtUp(host, "enricher at scale", ct);
        var after = (await store.LoadAsync(ct)).Count;
        await host.StopAsync(CancellationToken.None);
        if (after <= products)
        {
            throw new BenchFailedException($"enricher at scale: the store holds {after:N0} products after learning, not more than the {products:N0} it started with");
        }

        report.EnricherCatalogueProducts = products;
        report.EnricherOrdersPerSAt100kProducts = Rate(orders, t0, t1);
    }

    /// <summary>
    /// Posts through the whole path at saturation: raw posts handed to the host's <see cref="SourcePublisher"/> (the
    /// gate every source uses), then privacy-shield, context-enricher (semantic matching: one inference a post),
    /// embedding-service (Output = kafka) and vector-sink into the DuckDB vector store, all in one host; counted only
    /// when every vector is in the store. A small catalogue is learnt (and its names embedded) before timing.
    /// </summary>
    private async Task PipelinePostsAsync(BenchKafka kafka, string bootstrap, BenchWorkload workload, List<BenchRecord> enriched, BenchReport report, CancellationToken ct)
    {
        var posts = workload.RawPosts(sizes.Embeddings, seed: 61);
        var orders = workload.RawOrders(50, seed: 62);
        var prefix = GroupPrefix("pipeline-posts");
        var start = Ends(kafka, [.. SourceTopics, Topics.AnonymisedOrders, Topics.AnonymisedPosts, Topics.EnrichedPosts, Topics.EnrichedEmbeddings]);
        kafka.PositionGroup(prefix + PrivacyShieldStage.StageName, Ends(kafka, SourceTopics));
        kafka.PositionGroup(prefix + ContextEnricherStage.StageName, Ends(kafka, Topics.AnonymisedOrders, Topics.AnonymisedPosts));
        kafka.PositionGroup(prefix + EmbeddingServiceStage.StageName, Ends(kafka, Topics.EnrichedPosts));
        kafka.PositionGroup(prefix + VectorSinkStage.StageName, Ends(kafka, Topics.EnrichedEmbeddings));
        using var host = BuildHost(
            ["--role", $"{PrivacyShieldStage.StageName},{ContextEnricherStage.StageName},{EmbeddingServiceStage.StageName},{VectorSinkStage.StageName}"],
            "pipeline-posts", bootstrap, kafka.Partitions, prefix, new() { ["Stages:embedding-service:Output"] = EmbeddingServiceOptions.KafkaOutput });
        WarmedEmbeddingStage(host, enriched.Take(64).ToList());
        var sink = host.Services.GetServices<IHostedService>().OfType<VectorSinkStage>().Single();
        var enricher = host.Services.GetServices<IHostedService>().OfType<ContextEnricherStage>().Single();
        var names = host.Services.GetService<SemanticCatalogue>();
        var publisher = host.Services.GetRequiredService<SourcePublisher>();
        var store = host.Services.GetRequiredService<IVectorStore>();
        await store.EnsureSchemaAsync(ct);
        await host.StartAsync(ct);

        await PublishAsync(publisher, orders, expectAccepted: true, "whole pipeline, posts: catalogue orders");
        await WaitUntil(() => enricher.OrderLinesLearnt >= orders.Count && (names is null || names.Pending == 0), TimeSpan.FromSeconds(60),
            "whole pipeline, posts: the catalogue orders were not learnt");

        var t0 = Stopwatch.GetTimestamp();
        await PublishAsync(publisher, posts, expectAccepted: true, "whole pipeline, posts");
        var t1 = await WaitUntil(() => sink.VectorsWrittenCount >= posts.Count, TimeSpan.FromSeconds(90 + (posts.Count / 5)),
            "whole pipeline, posts: not every post reached the vector store");
        var stored = await store.CountAsync(ct);
        if (sink.VectorsWrittenCount != posts.Count || stored != posts.Count)
        {
            throw new BenchFailedException($"whole pipeline, posts: {posts.Count:N0} posts in, {sink.VectorsWrittenCount:N0} vectors written, {stored:N0} in the store");
        }

        await AssertCaughtUp(host, "whole pipeline, posts", ct);
        kafka.AssertNothingLost("whole pipeline, posts", start);
        await host.StopAsync(CancellationToken.None);
        report.PipelinePosts = posts.Count;
        report.PipelinePostsPerS = Rate(posts.Count, t0, t1);
    }

    /// <summary>
    /// vector-sink alone: <see cref="BenchSizes.VectorSinkPosts"/> posts with precomputed vectors (random unit vectors on the
    /// enriched posts' properties, as embedding-service writes them to <c>enriched.embeddings</c>), loaded into the
    /// DuckDB vector store through the stage's batches; no embedding is timed. The store's file is opened before timing.
    /// </summary>
    private async Task VectorSinkAsync(BenchKafka kafka, string bootstrap, List<BenchRecord> enriched, BenchReport report, CancellationToken ct)
    {
        var n = sizes.VectorSinkPosts;
        var posts = enriched.Select(r => JsonSerializer.Deserialize(r.Value, ContractJson.Default.EnrichedPost)!).ToList();
        var random = new Random(41);
        var prefix = GroupPrefix("vector-sink");
        var start = Ends(kafka, Topics.EnrichedEmbeddings);
        kafka.PositionGroup(prefix + VectorSinkStage.StageName, start);
        kafka.ProduceAll(Enumerable.Range(0, n).Select(i =>
        {
            var p = posts[i % posts.Count];
            var record = new VectorRecord($"{p.PostId}-{i}", p.Platform, p.Content, p.EnrichedContent, p.Timestamp, p.EngagementCount, p.Hashtags, p.MatchedProductIds, RandomUnit(random));
            return new BenchRecord(Topics.EnrichedEmbeddings, System.Text.Encoding.UTF8.GetBytes(record.PostId), EmbeddedVectorCodec.Serialize(record));
        }), "vector sink");

        using var host = BuildHost(["--role", VectorSinkStage.StageName], "vector-sink", bootstrap, kafka.Partitions, prefix);
        var stage = host.Services.GetServices<IHostedService>().OfType<VectorSinkStage>().Single();
        var store = host.Services.GetRequiredService<IVectorStore>();
        await store.EnsureSchemaAsync(ct);
        var t0 = Stopwatch.GetTimestamp();
        await host.StartAsync(ct);
        var t1 = await WaitUntil(() => stage.VectorsWrittenCount >= n, TimeSpan.FromMinutes(3), "vector sink: not every vector reached the store");
        var stored = await store.CountAsync(ct);
        if (stage.VectorsWrittenCount != n || stored != n)
        {
            throw new BenchFailedException($"vector sink: {n:N0} vectors in, {stage.VectorsWrittenCount:N0} written, {stored:N0} in the store");
        }

        await AssertCaughtUp(host, "vector sink", ct);
        kafka.AssertNothingLost("vector sink", start);
        await host.StopAsync(CancellationToken.None);
        report.VectorSinkRecords = n;
        report.VectorSinkPerS = Rate(n, t0, t1);
    }

    /// <summary>
    /// dlq-monitor alone: <see cref="BenchSizes.DeadLetters"/> dead letters on the three dead-letter topics, made by
    /// <see cref="SourcePublisher"/> from records the gate rejects (envelopes, encrypted payloads, x-dlq headers), until
    /// the monitor's ledger has counted every one.
    /// </summary>
    private async Task DlqMonitorAsync(BenchKafka kafka, string bootstrap, SourcePublisher publisher, BenchWorkload workload, BenchReport report, CancellationToken ct)
    {
        var n = sizes.DeadLetters;
        var prefix = GroupPrefix("dlq");
        var start = Ends(kafka, [.. Topics.DeadLetters]);
        kafka.PositionGroup(prefix + DeadLetterMonitorStage.StageName, start);
        await PublishAsync(publisher, workload.Rejected(seed: 51).Take(n).Select(r => (r.Kind, r.Raw)), expectAccepted: false, "dlq monitor");

        using var host = BuildHost(["--role", DeadLetterMonitorStage.StageName], "dlq", bootstrap, kafka.Partitions, prefix);
        var ledger = host.Services.GetRequiredService<DeadLetterLedger>();
        var t0 = Stopwatch.GetTimestamp();
        await host.StartAsync(ct);
        var t1 = await WaitUntil(() => ledger.Total >= n, TimeSpan.FromMinutes(3), "dlq monitor: not every dead letter was counted");
        if (ledger.Total != n)
        {
            throw new BenchFailedException($"dlq monitor: {n:N0} dead letters in, {ledger.Total:N0} counted");
        }

        await AssertCaughtUp(host, "dlq monitor", ct);
        kafka.AssertNothingLost("dlq monitor", start);
        await host.StopAsync(CancellationToken.None);
        report.DlqMonitorRecords = n;
        report.DlqMonitorPerS = Rate(n, t0, t1);
    }

    /// <summary>
    /// warehouse-sink upserting <see cref="BenchSizes.WarehouseGrowthRows"/> new orders into ORDERS and PRICE_HISTORY
    /// already holding <see cref="BenchSizes.WarehousePreloadRows"/> rows each (filled by <see cref="BenchPreload"/> in
    /// the production schema), measured like <c>warehouse_rows_per_s</c>; the file is opened before timing.
    /// </summary>
    private async Task WarehouseAtScaleAsync(BenchKafka kafka, string bootstrap, BenchWorkload workload, BenchReport report, CancellationToken ct)
    {
        const string name = "warehouse-preloaded";
        var path = Path.Combine(_dir, name + ".duckdb");
        var preload = sizes.WarehousePreloadRows;
        var loading = Stopwatch.GetTimestamp();
        BenchPreload.Warehouse(path, preload);
        Log($"{preload:N0} rows written to ORDERS and PRICE_HISTORY in {Stopwatch.GetElapsedTime(loading).TotalSeconds:0.0} s");

        var growth = sizes.WarehouseGrowthRows;
        var (rate, _) = await TimeWarehouseAsync(kafka, bootstrap, name, workload.AnonymisedOrders(growth, seed: 16), ct);
        foreach (var table in new[] { WarehouseTables.Orders, WarehouseTables.PriceHistory })
        {
            var count = BenchPreload.Count(path, table);
            if (count != preload + growth)
            {
                throw new BenchFailedException($"warehouse at scale: {table} holds {count:N0} rows, not {preload:N0} + {growth:N0}");
            }
        }

        report.WarehousePreloadRows = preload;
        report.WarehouseGrowthRows = growth;
        report.WarehouseRowsPerSAt1m = rate;
    }

    /// <summary>
    /// warehouse-sink alone in its own host on <c>{name}.duckdb</c>, as both warehouse figures measure it: its group is
    /// positioned at the topics' ends and the orders produced; the file is opened (schema, key check) before timing, as
    /// a running sink has it open; the rows after the first batch are timed from that batch until every order is a row
    /// in ORDERS, nothing lost and the group caught up. Returns rows per second and the mean batch.
    /// </summary>
    private async Task<(double RowsPerS, double AvgBatchRows)> TimeWarehouseAsync(BenchKafka kafka, string bootstrap, string name, List<BenchRecord> orders, CancellationToken ct)
    {
        var prefix = GroupPrefix(name);
        var start = Ends(kafka, Topics.AnonymisedOrders, Topics.Weather);
        kafka.PositionGroup(prefix + WarehouseSinkStage.StageName, start);
        var count = orders.Count;
        kafka.ProduceAll(orders, name);

        // On the broker now: the bench's copies would only add to the measurement's memory.
        orders.Clear();
        orders.TrimExcess();
        using var host = BuildHost(["--role", WarehouseSinkStage.StageName], name, bootstrap, kafka.Partitions, prefix);
        var stage = host.Services.GetServices<IHostedService>().OfType<WarehouseSinkStage>().Single();
        await host.Services.GetRequiredService<IWarehouseWriter>().EnsureSchemaAsync(ct);
        long Landed() => stage.RowsByTable.GetValueOrDefault(WarehouseTables.Orders);
        await host.StartAsync(ct);

        // Timed from the first batch durable to the last: the sink at saturation, like the appender baseline, without the
        // group's join and the first batch's warm-up (which, in the first warehouse host of the process, was most of
        // a short run). The stage notes when its first batch became durable: the bench's polling may notice later
        // (at tiny scales after every batch had landed).
        await WaitUntil(() => Landed() > 0, TimeSpan.FromMinutes(1), $"{name}: no batch reached the ORDERS table");
        var (t0, first) = stage.FirstBatch;
        var t1 = await WaitUntil(() => Landed() >= count, TimeSpan.FromMinutes(3), $"{name}: not every order reached the ORDERS table");
        var rows = Landed();
        if (rows != count)
        {
            throw new BenchFailedException($"{name}: {count:N0} orders in, {rows:N0} rows written");
        }

        var batches = stage.BatchesWritten;
        await AssertCaughtUp(host, name, ct);
        kafka.AssertNothingLost(name, start);
        await host.StopAsync(CancellationToken.None);
        if (first >= count)
        {
            throw new BenchFailedException($"{name}: all {count:N0} orders landed in the first batch, so there is no rate to time after it; "
                + "raise Bench:Scale or lower Stages:warehouse-sink:MaxBatchRecords");
        }

        return (Rate(count - first, t0, t1), Math.Round(stage.BatchRecordsWritten / (double)batches, 1));
    }

    /// <summary>Hands raw records to <paramref name="publisher"/> (gate, then source or dead-letter topic) and waits for every delivery.</summary>
    private static async Task PublishAsync(SourcePublisher publisher, IEnumerable<(SourceKind Kind, byte[] Raw)> records, bool expectAccepted, string measurement)
    {
        long sent = 0, done = 0, wrong = 0, failed = 0;
        foreach (var (kind, raw) in records)
        {
            sent++;
            publisher.Publish("bench", kind, raw, "bench", outcome =>
            {
                if (!outcome.Delivered)
                {
                    Interlocked.Increment(ref failed);
                }
                else if (outcome.Accepted != expectAccepted)
                {
                    Interlocked.Increment(ref wrong);
                }

                Interlocked.Increment(ref done);
            });
        }

        await WaitUntil(() => Interlocked.Read(ref done) >= sent, TimeSpan.FromMinutes(2), $"{measurement}: not every record was delivered");
        if (failed > 0 || wrong > 0)
        {
            throw new BenchFailedException($"{measurement}: of {sent:N0} records {failed:N0} were not delivered and {wrong:N0} were {(expectAccepted ? "rejected" : "accepted")} by the gate");
        }
    }

    /// <summary>
    /// Top-10 search over the DuckDB vector store holding <see cref="BenchSizes.StoredVectors"/> vectors (exact: the
    /// store's int8 index picks the candidates, DuckDB scores them): 50 queries after two untimed warm-ups (the first
    /// scans in SQL, the second loads the index), their P95. Random unit vectors, because embedding 100,000 texts would take the model minutes; real embeddings
    /// cluster, which can hand DuckDB more candidates to score (results stay exact).
    /// </summary>
    private async Task VectorSearchAsync(BenchReport report, CancellationToken ct)
    {
        var n = sizes.StoredVectors;
        // The store as the pipeline registers it (VectorStore:DuckDbMemoryLimit included), on a file of its own.
        var builder = PipelineHostFactory.CreateQuietBuilder(CommandLine.Parse([.. configArgs]), new Dictionary<string, string?>(baseOverrides)
        {
            ["VectorStore:Store"] = "duckdb",
            ["VectorStore:DuckDbPath"] = Path.Combine(_dir, "search.duckdb"),
            ["VectorStore:Dimensions"] = VectorDimensions.ToString(CultureInfo.InvariantCulture),
        });
        builder.AddVectorStore();
        var host = builder.Build();
        await using var disposeHost = (IAsyncDisposable)host; // the store is IAsyncDisposable only
        var store = (DuckDbVectorStore)host.Services.GetRequiredService<IVectorStore>();
        var random = new Random(21);
        for (int done = 0; done < n; done += 10_000)
        {
            var batch = Enumerable.Range(done, Math.Min(10_000, n - done))
                .Select(i => new VectorRecord($"v{i}", i % 2 == 0 ? "tiktok" : "facebook", "bench", "bench", DateTimeOffset.UnixEpoch, i, [], [], RandomUnit(random)))
                .ToList();
            await store.UpsertAsync(batch, ct);
        }

        if (await store.CountAsync(ct) != n)
        {
            throw new BenchFailedException($"vector search: {n:N0} vectors upserted, {await store.CountAsync(ct):N0} stored");
        }

        // Warm-up, untimed: a store's first search scores every row in SQL, the second loads its int8 search index (logged).
        await store.SearchAsync(RandomUnit(random), 10, null, ct);
        var load = Stopwatch.GetTimestamp();
        await store.SearchAsync(RandomUnit(random), 10, null, ct);
        Log($"vector search: second search (loads the search index) {Stopwatch.GetElapsedTime(load).TotalMilliseconds:N0} ms");
        var samples = new List<double>();
        for (int q = 0; q < 50; q++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var hits = await store.SearchAsync(RandomUnit(random), 10, null, ct);
            samples.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            if (hits.Count != 10)
            {
                throw new BenchFailedException($"vector search: {hits.Count} hits instead of 10");
            }
        }

        // The same queries' cost when DuckDB scores every row (the store's search before its index), for the log's ratio.
        var fullScan = new List<double>();
        for (int q = 0; q < 10; q++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await store.FullScanAsync(RandomUnit(random), 10, null, ct);
            fullScan.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }

        Log($"vector search: p95 {Percentiles.Of(samples, 0.95):N1} ms, full scan of every row p95 {Percentiles.Of(fullScan, 0.95):N1} ms (10 queries)");
        report.VectorSearchVectors = n;
        report.VectorSearchP95MsAt100k = Math.Round(Percentiles.Of(samples, 0.95), 2);
    }

    private const int VectorDimensions = 384;

    private static float[] RandomUnit(Random random)
    {
        var v = new float[VectorDimensions];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = (float)(random.NextDouble() - 0.5);
        }

        System.Numerics.Tensors.TensorPrimitives.Divide(v, System.Numerics.Tensors.TensorPrimitives.Norm<float>(v), v);
        return v;
    }

    /// <summary>
    /// The same rows loaded by a bare DuckDB Appender into a fresh file, two ways. Unbatched (<paramref name="batchRows"/>
    /// null): ORDERS alone, in one appender and so one transaction of every row, the database's own limit here and the
    /// issue's baseline. Batched: ORDERS and PRICE_HISTORY, <paramref name="batchRows"/> rows a transaction, at the file's
    /// default checkpoint threshold: the least a sink must do to make each batch durable, with no Kafka, parsing or
    /// upsert around it.
    /// </summary>
    private double AppenderBaseline(IEnumerable<BenchRecord> orders, int count, int? batchRows)
    {
        using var connection = DuckDbFiles.Open(Path.Combine(_dir, batchRows is null ? "appender.duckdb" : "appender-batched.duckdb"));
        foreach (var statement in WarehouseDdl.Statements("duckdb"))
        {
            connection.Execute(statement);
        }

        // The stage's DuckDB threads (its default) in both baselines, so the three run under the same database settings.
        DuckDbWarehouseWriter.SetThreads(connection, new DuckDbOptions().Threads);
        if (batchRows is not null)
        {
            DuckDbWarehouseWriter.SetCheckpointThreshold(connection, new DuckDbOptions().CheckpointThreshold);
        }

        // Parsing is not timed, as the stage's figure is compared with the database's limit alone: each chunk is parsed
        // into rows before its appends are timed, so the bench never holds every row at once.
        var now = DateTime.UtcNow;
        long timed = 0;
        DuckDBAppender? a = batchRows is null ? connection.CreateAppender(WarehouseTables.Schema, WarehouseTables.Orders) : null;
        try
        {
            foreach (var chunk in orders.Chunk(batchRows ?? 10_000))
            {
                var rows = chunk.Select(o => OrderRow.From(AnonymisedParsing.ParseOrder(o.Value), now)).ToList();
                var t0 = Stopwatch.GetTimestamp();
                if (a is not null)
                {
                    DuckDbWarehouseWriter.AppendOrders(a, rows);
                }
                else
                {
                    // The writer's own append path for new orders, with no weather, fall-back or counters around it.
                    DuckDbWarehouseWriter.AppendNew(connection, rows, rows.Select(PriceRow.From), []);
                }

                timed += Stopwatch.GetTimestamp() - t0;
            }
        }
        finally
        {
            // Closing flushes what the appender still buffers: timed too.
            var t0 = Stopwatch.GetTimestamp();
            a?.Dispose();
            timed += Stopwatch.GetTimestamp() - t0;
        }

        using var query = connection.CreateCommand();
        query.CommandText = $"SELECT count(*) FROM {WarehouseTables.Orders}";
        var loaded = Convert.ToInt64(query.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (loaded != count)
        {
            throw new BenchFailedException($"appender baseline: {count:N0} rows appended, {loaded:N0} in the table");
        }

        return Rate(count, 0, timed);
    }

    /// <summary>The model alone, as the pipeline loads it, over the enriched texts in length-sorted batches; then the fp32 source.</summary>
    private Task ModelOnly(List<BenchRecord> enriched, BenchReport report)
    {
        var texts = enriched.Select(r => JsonSerializer.Deserialize(r.Value, ContractJson.Default.EnrichedPost)!.EnrichedContent).ToList();
        report.EmbedModelOnlyPerS = ModelRate(model, texts, report);
        if (fp32Source is not null && model.Precision == EmbeddingOptions.Int8Precision)
        {
            report.EmbedFp32ModelOnlyPerS = ModelRate(fp32Source, texts, report);
        }

        return Task.CompletedTask;
    }

    private double ModelRate(ResolvedModel resolved, List<string> texts, BenchReport report)
    {
        using var embedder = OnnxTextEmbedder.Create(resolved, embedding);
        var batches = texts.OrderBy(embedder.CountTokens).Chunk(embedding.MaxBatchSize).ToList();
        report.EmbedAvgTokens = Math.Round(texts.Average(embedder.CountTokens), 1);
        WarmUp(embedder, texts);
        var t0 = Stopwatch.GetTimestamp();
        var vectors = batches.Sum(b => embedder.Embed(b).Length);
        var t1 = Stopwatch.GetTimestamp();
        if (vectors != texts.Count)
        {
            throw new BenchFailedException($"model {resolved.Precision}: {texts.Count} texts in, {vectors} vectors out");
        }

        return Rate(texts.Count, t0, t1);
    }

    private async Task EmbeddingStageAsync(BenchKafka kafka, string bootstrap, List<BenchRecord> enriched, BenchReport report, CancellationToken ct)
    {
        var prefix = GroupPrefix("embedding");
        var start = Ends(kafka, Topics.EnrichedPosts);
        kafka.PositionGroup(prefix + EmbeddingServiceStage.StageName, start);
        kafka.ProduceAll(enriched, "embedding");

        using var host = BuildHost(["--role", EmbeddingServiceStage.StageName], "embedding", bootstrap, kafka.Partitions, prefix);
        var stage = WarmedEmbeddingStage(host, enriched);
        var t0 = Stopwatch.GetTimestamp();
        await host.StartAsync(ct);
        var t1 = await WaitUntil(() => stage.VectorsWrittenCount >= enriched.Count, TimeSpan.FromSeconds(60 + (enriched.Count / 20)),
            "embedding: not every post got a vector");
        if (stage.VectorsWrittenCount != enriched.Count)
        {
            throw new BenchFailedException($"embedding: {enriched.Count:N0} posts in, {stage.VectorsWrittenCount:N0} vectors written");
        }

        await AssertCaughtUp(host, "embedding", ct);
        kafka.AssertNothingLost("embedding", start);
        await host.StopAsync(CancellationToken.None);
        report.EmbeddingStagePerS = Rate(enriched.Count, t0, t1);
    }

    private async Task EmbedLatencyAsync(BenchKafka kafka, string bootstrap, BenchWorkload workload, double rate, BenchReport report, CancellationToken ct)
    {
        var prefix = GroupPrefix("embed-latency");
        var start = Ends(kafka, Topics.EnrichedPosts);
        kafka.PositionGroup(prefix + EmbeddingServiceStage.StageName, start);
        using var host = BuildHost(["--role", EmbeddingServiceStage.StageName], "embed-latency", bootstrap, kafka.Partitions, prefix);
        var posts = workload.EnrichedPosts(seed: 21).Select(BenchWorkload.ToRecord);
        var stage = WarmedEmbeddingStage(host, posts.Take(64).ToList());
        await host.StartAsync(ct);
        await Task.Delay(TimeSpan.FromSeconds(2), ct);

        var sent = await OfferAsync(kafka, rate, posts.Select(p => (p, (Headers?)null)), "embed latency", ct);
        await WaitUntil(() => stage.VectorsWrittenCount >= sent, TimeSpan.FromSeconds(60), "embed latency: not every offered post got a vector");
        if (stage.VectorsWrittenCount != sent)
        {
            throw new BenchFailedException($"embed latency: {sent:N0} posts offered, {stage.VectorsWrittenCount:N0} vectors written");
        }

        kafka.AssertNothingLost("embed latency", start);
        await host.StopAsync(CancellationToken.None);
        var samples = stage.EmbedLatencies.Snapshot();
        report.EmbedLatencySamples = samples.Length;
        report.EmbedLatencyP50Ms = Math.Round(Percentiles.Of(samples, 0.50), 2);
        report.EmbedLatencyP95Ms = Math.Round(Percentiles.Of(samples, 0.95), 2);
        report.EmbedQueueWaitP95Ms = Math.Round(Percentiles.Of(stage.QueueWaits.Snapshot(), 0.95), 2);
        var inferences = stage.Inferences.Snapshot();
        report.EmbedInferenceP95Ms = Math.Round(Percentiles.Of(inferences, 0.95), 2);
        report.EmbedAvgBatch = Math.Round(stage.BatchesRun == 0 ? 0 : inferences.Length / (double)stage.BatchesRun, 1);
        report.EmbedInferencePerTextMs = Math.Round(stage.InferencePerTextMs, 2);
        report.EmbedStoreWriteP95Ms = Math.Round(Percentiles.Of(stage.StoreWrites.Snapshot(), 0.95), 2);
    }

    private async Task EndToEndAsync(BenchKafka kafka, string bootstrap, BenchWorkload workload, double rate, BenchReport report, CancellationToken ct)
    {
        var prefix = GroupPrefix("e2e");
        var start = Ends(kafka, [.. SourceTopics, Topics.AnonymisedOrders, Topics.AnonymisedPosts, Topics.EnrichedPosts]);
        kafka.PositionGroup(prefix + PrivacyShieldStage.StageName, Ends(kafka, SourceTopics));
        kafka.PositionGroup(prefix + Stages.ContextEnricher.ContextEnricherStage.StageName, Ends(kafka, Topics.AnonymisedOrders, Topics.AnonymisedPosts));
        kafka.PositionGroup(prefix + EmbeddingServiceStage.StageName, Ends(kafka, Topics.EnrichedPosts));
        using var host = BuildHost(["--profile", "stream"], "e2e", bootstrap, kafka.Partitions, prefix, new() { ["Stages:dlq-monitor:Enabled"] = "false" });
        var stage = WarmedEmbeddingStage(host, workload.EnrichedPosts(seed: 31).Take(64).Select(BenchWorkload.ToRecord).ToList());
        await host.StartAsync(ct);

        // A catalogue to enrich against, learned by the enricher from orders that went through the privacy shield.
        kafka.ProduceAll(workload.Orders(50, seed: 32).Select(o => new BenchRecord(o.Kind.Topic(), o.Key, o.Value)), "end-to-end orders");
        await Task.Delay(TimeSpan.FromSeconds(2), ct);

        // Like SourcePublisher: canonical records stamped with the ingested-at header when produced.
        var posts = workload.SocialStream(seed: 33).Select(p => (new BenchRecord(p.Kind.Topic(), p.Key, p.Value), (Headers?)null));
        var sent = await OfferAsync(kafka, rate, posts, "end-to-end", ct, stampIngestedAt: true);
        await WaitUntil(() => stage.VectorsWrittenCount >= sent, TimeSpan.FromSeconds(90), "end-to-end: not every offered post got a vector");
        if (stage.VectorsWrittenCount != sent)
        {
            throw new BenchFailedException($"end-to-end: {sent:N0} posts offered, {stage.VectorsWrittenCount:N0} vectors written");
        }

        kafka.AssertNothingLost("end-to-end", start);
        await host.StopAsync(CancellationToken.None);
        var samples = stage.EndToEndLatencies.Snapshot();
        if (stage.EndToEndLatencies.Count != sent)
        {
            throw new BenchFailedException($"end-to-end: {sent:N0} posts, but {stage.EndToEndLatencies.Count:N0} carried an ingested-at header to the vector store");
        }

        report.E2eLatencySamples = samples.Length;
        report.E2eLatencyP50Ms = Math.Round(Percentiles.Of(samples, 0.50), 2);
        report.E2eLatencyP95Ms = Math.Round(Percentiles.Of(samples, 0.95), 2);
    }

    /// <summary>Offers records at a fixed rate for the latency window; returns how many were delivered.</summary>
    private async Task<long> OfferAsync(BenchKafka kafka, double rate, IEnumerable<(BenchRecord Record, Headers? Headers)> records, string measurement, CancellationToken ct, bool stampIngestedAt = false)
    {
        long sent = 0, failed = 0;
        var t0 = Stopwatch.GetTimestamp();
        using var source = records.GetEnumerator();
        while (Stopwatch.GetElapsedTime(t0) < sizes.LatencyWindow)
        {
            var due = (long)(Stopwatch.GetElapsedTime(t0).TotalSeconds * rate);
            while (sent < due && source.MoveNext())
            {
                var (r, headers) = source.Current;
                headers = stampIngestedAt ? PipelineHeaders.WithIngestedAt(DateTimeOffset.UtcNow) : headers;
                kafka.Produce(r.Topic, r.Key, r.Value, headers, report =>
                {
                    if (report.Error.IsError)
                    {
                        Interlocked.Increment(ref failed);
                    }
                });
                sent++;
            }

            await Task.Delay(5, ct);
        }

        if (!kafka.Producer.Flush(TimeSpan.FromSeconds(30)) || Interlocked.Read(ref failed) > 0)
        {
            throw new BenchFailedException($"{measurement}: {Interlocked.Read(ref failed)} of {sent} offered records were not delivered");
        }

        return sent;
    }

    /// <summary>Loads the model (host singleton) and runs one full batch before timing, as a running service would have.</summary>
    private static EmbeddingServiceStage WarmedEmbeddingStage(IHost host, List<BenchRecord> sample)
    {
        var embedder = host.Services.GetRequiredService<ITextEmbedder>();
        WarmUp(embedder, sample.Select(r => JsonSerializer.Deserialize(r.Value, ContractJson.Default.EnrichedPost)!.EnrichedContent).ToList());
        return host.Services.GetServices<IHostedService>().OfType<EmbeddingServiceStage>().Single();
    }

    private static void WarmUp(ITextEmbedder embedder, List<string> texts)
    {
        // The longest texts: ONNX Runtime keeps its arena grown to the largest batch seen.
        _ = embedder.Embed(texts.OrderByDescending(embedder.CountTokens).Take(32).ToList());
    }

    private static async Task AssertCaughtUp(IHost host, string measurement, CancellationToken ct)
    {
        var stages = host.Services.GetServices<IHostedService>().OfType<ConsumerStage>().ToList();
        var catchUp = new CatchUp(host.Services.GetRequiredService<KafkaClientFactory>(), host.Services.GetRequiredService<ILogger<CatchUp>>());
        if (!await catchUp.WaitAsync(stages, TimeSpan.FromSeconds(30), ct))
        {
            throw new BenchFailedException($"{measurement}: the stage's committed offsets did not reach the end of its topics");
        }
    }

    private static Dictionary<TopicPartition, long> Ends(BenchKafka kafka, params string[] topics) => kafka.Ends(topics);

    private static async Task<long> WaitUntil(Func<bool> done, TimeSpan timeout, string failure, int pollMs = 5)
    {
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!done())
        {
            if (Stopwatch.GetTimestamp() > until)
            {
                throw new BenchFailedException($"{failure} within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(pollMs);
        }

        return Stopwatch.GetTimestamp();
    }

    private static double Rate(long count, long t0, long t1) => Math.Round(count / ((t1 - t0) / (double)Stopwatch.Frequency), 1);

    private string GroupPrefix(string measurement) => $"bench-{_runId}-{measurement}-";

    private IHost BuildHost(string[] selection, string name, string bootstrap, IReadOnlyDictionary<string, int> partitions, string? groupPrefix = null,
        Dictionary<string, string?>? extra = null)
    {
        var overrides = new Dictionary<string, string?>(baseOverrides)
        {
            ["Kafka:BootstrapServers"] = bootstrap,
            ["Kafka:Provisioning:Enabled"] = "false",
            ["Kafka:GroupIdPrefix"] = groupPrefix ?? $"bench-{_runId}-{name}-",
            ["Observability:Http:Enabled"] = "false",
            ["Observability:ProgressInterval"] = "00:00:00",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            // The model was resolved (and any warning about it given) once, by the bench itself.
            ["Serilog:MinimumLevel:Override:MillionX.Pipeline.Embedding"] = "Error",
            ["Warehouse:DuckDb:Path"] = Path.Combine(_dir, name + ".duckdb"),
            ["VectorStore:DuckDbPath"] = "",
            ["Privacy:HashKey"] = Convert.ToBase64String(_hashKey),
            ["Privacy:DeadLetterKey"] = Convert.ToBase64String(_deadLetterKey),
            ["Embedding:ModelPath"] = model.ModelPath,
            ["Embedding:ModelSha256"] = model.ModelSha256,
            ["Embedding:VocabPath"] = model.VocabPath,
        };
        foreach (var (topic, n) in partitions)
        {
            if (catalog.ContainsKey(topic))
            {
                overrides[$"Kafka:Topics:{topic}:Partitions"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        foreach (var (k, v) in extra ?? [])
        {
            overrides[k] = v;
        }

        return RunCommand.Build(CommandLine.Parse([.. selection, .. configArgs]), overrides);
    }

    private void Log(string message) => progress.WriteLine($"[bench {DateTime.Now:HH:mm:ss}] {message}");

    /// <summary>
    /// Where a measurement's memory goes: RSS sampled every 100 ms, its highest value and the GC's committed bytes at
    /// that moment (the rest is native: the broker's copies, librdkafka queues, DuckDB, ONNX Runtime).
    /// </summary>
    private sealed class RssSampler : IDisposable
    {
        private readonly Lock _lock = new();
        private readonly Timer _timer;
        private long _maxKb;
        private long _managedAtMax;

        public RssSampler()
        {
            Sample();
            _timer = new Timer(_ => Sample(), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
        }

        public (long RssKb, long ManagedBytes) Max
        {
            get
            {
                Sample();
                lock (_lock)
                {
                    return (_maxKb, _managedAtMax);
                }
            }
        }

        private void Sample()
        {
            var kb = StatusKb("VmRSS:") ?? 0;
            lock (_lock)
            {
                if (kb > _maxKb)
                {
                    _maxKb = kb;
                    _managedAtMax = GC.GetGCMemoryInfo().TotalCommittedBytes;
                }
            }
        }

        public void Dispose() => _timer.Dispose();
    }

    /// <summary>The process's peak resident set (VmHWM on Linux).</summary>
    private static long PeakRssBytes() => StatusKb("VmHWM:") is { } kb ? kb * 1024 : Process.GetCurrentProcess().PeakWorkingSet64;

    private static long StatusMb(string field) => (StatusKb(field) ?? 0) / 1024;

    /// <summary>A <c>/proc/self/status</c> figure in KiB (VmRSS: now, VmHWM: peak), or null off Linux.</summary>
    private static long? StatusKb(string field)
    {
        if (File.Exists("/proc/self/status"))
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal)
                    && long.TryParse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out var kb))
                {
                    return kb;
                }
            }
        }

        return null;
    }
}
