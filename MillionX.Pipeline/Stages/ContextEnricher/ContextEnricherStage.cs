using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.Contracts;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Kafka;
using Prometheus;

namespace MillionX.Pipeline.Stages.ContextEnricher;

/// <summary>
/// Learns the product catalogue from <c>sink.snowflake.orders</c> and enriches anonymised posts from
/// <c>sink.weaviate.vectors</c> with the products they mention, to <c>enriched.weaviate.vectors</c>. An unreachable
/// catalogue store is a transient failure: the record waits (with backoff) and its offset is not stored. Orders are
/// learnt in micro-batches (one store write per batch, not per order) on a worker beside the consumer. With
/// <c>SemanticMatching</c> (<paramref name="semantic"/> set) posts also match products by embedding similarity.
/// </summary>
public sealed class ContextEnricherStage(
    StageServices services,
    ICatalogueStore store,
    PipelineProducer producer,
    IOptions<ContextEnricherOptions> options,
    TimeProvider clock,
    SemanticCatalogue? semantic = null) : ConsumerStage(StageName, services)
{
    public const string StageName = "context-enricher";

    private static readonly Counter Matches = Metrics.CreateCounter(
        "millionx_enrichment_posts_total", "Posts enriched, by whether any catalogue product matched.", "matched");

    private static readonly Gauge CatalogueSize = Metrics.CreateGauge("millionx_catalogue_products", "Products in the enricher's catalogue.");

    private static readonly Counter StoreFailures = Metrics.CreateCounter(
        "millionx_catalogue_store_failures_total", "Transient failures of the catalogue store (retried).");

    private readonly ProductMatcher _matcher = new(options.Value.KeywordsOrDefault(), options.Value.MaxMatches);
    private const int MaxOrderBatch = 1000;

    private static readonly TimeSpan MaxOrderBatchAge = TimeSpan.FromMilliseconds(50);

    private readonly Dictionary<string, CatalogueProduct> _cache = new(StringComparer.Ordinal);
    private CatalogueIndex? _index;
    private readonly Lock _cacheLock = new();
    private readonly Channel<(AnonymisedOrder Order, RecordCompletion Completion)> _orders =
        Channel.CreateBounded<(AnonymisedOrder, RecordCompletion)>(new BoundedChannelOptions(MaxOrderBatch * 4) { SingleReader = true, SingleWriter = true });
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;
    private CancellationToken _stopping;
    private long _orderLinesLearnt;

    public override IReadOnlyCollection<string> Topics { get; } = [Kafka.Topics.SinkOrders, Kafka.Topics.SinkVectors];

    /// <summary>The catalogue as this replica sees it.</summary>
    public IReadOnlyCollection<CatalogueProduct> Catalogue
    {
        get
        {
            lock (_cacheLock)
            {
                return _cache.Values.ToList();
            }
        }
    }

    /// <summary>
    /// Order lines this replica has learnt (stored and in its cache). Cheap to read, unlike <see cref="Catalogue"/>,
    /// which copies every product under the lock the learning worker needs.
    /// </summary>
    public long OrderLinesLearnt => Interlocked.Read(ref _orderLinesLearnt);

    private CatalogueIndex Index => _index ??= _matcher.NewIndex();

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        return RunWithWorkerAsync(LearnOrders, () => _orders.Writer.TryComplete(), stoppingToken);
    }

    protected override void Handle(ConsumeResult<byte[]?, byte[]> record, RecordCompletion completion)
    {
        if (record.Topic == Kafka.Topics.SinkOrders)
        {
            _orders.Writer.WriteBlocking((AnonymisedParsing.ParseOrder(record.Message.Value ?? []), completion));
            return;
        }

        var post = AnonymisedParsing.ParsePost(record.Message.Value ?? []);
        if (clock.GetUtcNow() - _loadedAt > options.Value.MaxStaleness && !Refresh())
        {
            return;
        }

        // The post's vector is computed outside the lock: one model inference, while orders keep being learnt.
        var postVector = semantic?.EmbedPost(ProductMatcher.TextForMatching(post));
        IReadOnlyList<CatalogueProduct> matches;
        lock (_cacheLock)
        {
            var similarities = postVector is null ? null : semantic!.Similarities(postVector, options.Value.SemanticThreshold, _matcher.Candidates(post, Index));
            matches = _matcher.Match(post, Index, similarities, options.Value.SemanticThreshold);
        }

        Matches.WithLabels(matches.Count > 0 ? "true" : "false").Inc();
        var enriched = ProductMatcher.Enrich(post, matches);
        var value = JsonSerializer.SerializeToUtf8Bytes(enriched, ContractJson.Default.EnrichedPost);
        producer.Produce(Kafka.Topics.EnrichedVectors, Encoding.UTF8.GetBytes(post.PostId), value, record.Message.Headers, report =>
        {
            if (report.Error.Code == ErrorCode.NoError)
            {
                Counters.RecordOut(Kafka.Topics.EnrichedVectors);
                completion.Complete();
            }
            else
            {
                completion.Fail(new KafkaException(report.Error));
            }
        });
    }

    private bool Refresh()
    {
        IReadOnlyList<CatalogueProduct>? loaded = null;
        if (!Retry(async () => loaded = await store.LoadAsync(_stopping)))
        {
            return false;
        }

        lock (_cacheLock)
        {
            // Products are never removed, so a reload only touches what changed (other replicas' orders, with Redis):
            // the index is not rebuilt from scratch every MaxStaleness.
            foreach (var p in loaded!)
            {
                if (_cache.TryGetValue(p.Key, out var known) && known == p)
                {
                    continue;
                }

                _cache[p.Key] = p;
                Index.Upsert(p);
                semantic?.Learn(p);
            }

            CatalogueSize.Set(_cache.Count);
        }

        _loadedAt = clock.GetUtcNow();
        return true;
    }

    /// <summary>Learns orders in batches: one store write per batch, then the replica's cache, then the offsets.</summary>
    private async Task LearnOrders(CancellationToken ct)
    {
        var batch = new List<(AnonymisedOrder Order, RecordCompletion Completion)>(MaxOrderBatch);
        while (await ChannelBatches.ReadAsync(_orders.Reader, batch, MaxOrderBatch, MaxOrderBatchAge, ct))
        {
            var orders = batch.Select(b => b.Order).ToList();

            // On shutdown the last batches still get a short, bounded chance to land.
            using var bound = new CancellationTokenSource(ct.IsCancellationRequested ? TimeSpan.FromSeconds(2) : Timeout.InfiniteTimeSpan);
            var token = ct.IsCancellationRequested ? bound.Token : ct;
            if (!await RetryAsync(() => store.UpsertAsync(orders, token), ct))
            {
                return; // stopping before the store had them: their offsets stay unstored and they are read again
            }

            lock (_cacheLock)
            {
                foreach (var order in orders)
                {
                    var key = $"{order.Platform}:{order.ProductId}";
                    var product = CatalogueProduct.Merge(_cache.GetValueOrDefault(key), order);
                    _cache[key] = product;
                    Index.Upsert(product);
                    semantic?.Learn(product);
                }

                CatalogueSize.Set(_cache.Count);
            }

            Interlocked.Add(ref _orderLinesLearnt, orders.Count);
            foreach (var (_, completion) in batch)
            {
                completion.Complete();
            }
        }
    }

    private bool Retry(Func<Task> action) => RetryAsync(action, _stopping).GetAwaiter().GetResult();

    /// <summary>Retries a transient store failure with backoff until it works or the stage stops (then false: no offset stored).</summary>
    private async Task<bool> RetryAsync(Func<Task> action, CancellationToken ct)
    {
        var delay = options.Value.RetryInitialDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await action();
                return true;
            }
            catch (TransientCatalogueException ex)
            {
                StoreFailures.Inc();
                var wait = Backoff.Jitter(delay);
                Logger.LogWarning("Catalogue store unavailable (attempt {Attempt}): {Error}; retrying in {Delay:0.0} s, offset not stored", attempt, ex.Message, wait.TotalSeconds);
                try
                {
                    await Task.Delay(wait, clock, ct);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }

                delay = Backoff.Grow(delay, options.Value.RetryMaxDelay);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return false;
            }
        }
    }
}
