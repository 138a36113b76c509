using Confluent.Kafka;
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
    RecordValidator validator,
    SemanticCatalogue? semantic = null) : BatchingConsumerStage<AnonymisedOrder>(StageName, services)
{
    public const string StageName = "context-enricher";

    private static readonly Counter Matches = Metrics.CreateCounter(
        "millionx_enrichment_posts_total", "Posts enriched, by whether any catalogue product matched.", "matched");

    private static readonly Gauge CatalogueSize = Metrics.CreateGauge("millionx_catalogue_products", "Products in the enricher's catalogue.");

    private static readonly Counter StoreFailures = Metrics.CreateCounter(
        "millionx_catalogue_store_failures_total", "Transient failures of the catalogue store (retried).");

    private readonly ProductMatcher _matcher = new(options.Value.KeywordsOrDefault(), options.Value.MaxMatches);

    private readonly Dictionary<string, CatalogueProduct> _cache = new(StringComparer.Ordinal);
    private CatalogueIndex? _index;
    private readonly Lock _cacheLock = new();
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;
    private long _orderLinesLearnt;

    public override IReadOnlyCollection<string> Topics { get; } = [Kafka.Topics.AnonymisedOrders, Kafka.Topics.AnonymisedPosts];

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

    /// <summary>Room for two full batches, so one fills while the other is written.</summary>
    protected override int MaxInFlight => Math.Max(base.MaxInFlight, options.Value.MaxOrderBatch * 2);

    /// <summary>Orders are learnt in batches (<c>MaxOrderBatch</c> orders or <c>MaxOrderBatchAge</c>): one store write per batch, then the replica's cache, then the offsets.</summary>
    protected override BatchWindow Window => new(options.Value.MaxOrderBatch, options.Value.MaxOrderBatchAge, options.Value.RetryInitialDelay, options.Value.RetryMaxDelay);

    protected override AnonymisedOrder Map(ConsumeResult<byte[]?, byte[]> record) => AnonymisedParsing.ParseOrder(record.Message.Value ?? [], validator.Limits);

    protected override void OnRetry(Exception error) => StoreFailures.Inc();

    protected override void Handle(ConsumeResult<byte[]?, byte[]> record, RecordCompletion completion, CancellationToken ct)
    {
        if (record.Topic == Kafka.Topics.AnonymisedOrders)
        {
            base.Handle(record, completion, ct);
            return;
        }

        var post = AnonymisedParsing.ParsePost(record.Message.Value ?? []);
        if (clock.GetUtcNow() - _loadedAt > options.Value.MaxStaleness && !Refresh(ct))
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
        producer.Produce(Kafka.Topics.EnrichedPosts, Encoding.UTF8.GetBytes(post.PostId), value, PipelineHeaders.Rebuild(record.Message.Headers), report =>
        {
            if (report.Error.Code == ErrorCode.NoError)
            {
                Counters.RecordOut(Kafka.Topics.EnrichedPosts);
                completion.Complete();
            }
            else
            {
                completion.Fail(new KafkaException(report.Error));
            }
        });
    }

    /// <summary>Reloads the catalogue (other replicas' orders), retrying a store outage; false when the stage stopped first.</summary>
    private bool Refresh(CancellationToken ct)
    {
        IReadOnlyList<CatalogueProduct> loaded;
        try
        {
            loaded = Retry.ExecuteAsync(static async (s, t) => await s.LoadAsync(t), store, ct).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }

        lock (_cacheLock)
        {
            // Products are never removed, so a reload only touches what changed (other replicas' orders, with Redis):
            // the index is not rebuilt from scratch every MaxStaleness.
            foreach (var p in loaded)
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

    protected override async Task WriteBatchAsync(IReadOnlyList<AnonymisedOrder> batch, CancellationToken ct)
    {
        // Custom lines are orders, not products: the warehouse keeps them, the catalogue never learns them.
        var orders = batch.Where(CatalogueRules.IsCatalogueProduct).ToList();
        if (orders.Count > 0)
        {
            await store.UpsertAsync(orders, ct);
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

        Interlocked.Add(ref _orderLinesLearnt, batch.Count);
    }
}
