using System.Diagnostics;
using Confluent.Kafka;
using Prometheus;

namespace MillionX.Pipeline.Stages.EmbeddingService;

/// <summary>
/// Consumes <c>enriched.weaviate.vectors</c>, embeds <c>enriched_content</c> with all-MiniLM-L6-v2 in micro-batches
/// (collected for at most <c>MaxBatchWait</c> or <c>MaxBatchSize</c> records, sorted by length so little is padded)
/// and upserts the vectors into the vector store. Offsets are stored only after the store acknowledged.
/// </summary>
public sealed class EmbeddingServiceStage : BatchingConsumerStage<EmbeddingServiceStage.Item>
{
    public const string StageName = "embedding-service";

    private static readonly Histogram QueueWait = Metrics.CreateHistogram(
        "millionx_embedding_queue_wait_seconds", "Per record: time from being read to its batch starting inference.", Buckets());

    private static readonly Histogram Inference = Metrics.CreateHistogram(
        "millionx_embedding_inference_seconds", "Per record: inference time of the batch it ran in.", Buckets());

    private static readonly Histogram Latency = Metrics.CreateHistogram(
        "millionx_embedding_latency_seconds", "Per record: read to embedded (queue wait plus inference); the plan's P95 < 100 ms.", Buckets());

    private static readonly Histogram BatchSize = Metrics.CreateHistogram(
        "millionx_embedding_batch_size", "Texts per inference batch.", new HistogramConfiguration { Buckets = [1, 2, 4, 8, 16, 32, 64, 128, 256] });

    private static readonly Histogram PaddingWaste = Metrics.CreateHistogram(
        "millionx_embedding_padding_ratio", "Padded tokens over real tokens per batch (0 = no waste).", new HistogramConfiguration { Buckets = [0, 0.05, 0.1, 0.25, 0.5, 1, 2] });

    private readonly ITextEmbedder _embedder;
    private readonly IVectorWriter _store;
    private readonly EmbeddingOptions _options;
    private readonly TimeProvider _clock;
    private long _written;
    private long _batches;

    public EmbeddingServiceStage(StageServices services, ITextEmbedder embedder, IVectorWriter store, IOptions<EmbeddingOptions> options, TimeProvider clock)
        : base(StageName, services)
    {
        _embedder = embedder;
        _store = store;
        _options = options.Value;
        _clock = clock;
    }

    public override IReadOnlyCollection<string> Topics { get; } = [Kafka.Topics.EnrichedPosts];

    /// <summary>Vectors this process wrote (the ingest summary's <c>vectors</c>), or handed to vector-sink when it writes to Kafka.</summary>
    public long VectorsWrittenCount => Interlocked.Read(ref _written);

    /// <summary>Embedding:QueueCapacity posts waiting plus the batch being embedded: more would only add queue wait.</summary>
    protected override int MaxInFlight => Math.Min(base.MaxInFlight, _options.QueueCapacity + _options.MaxBatchSize);

    /// <summary>False when the stage hands its vectors to the vector-sink role instead of writing the store itself.</summary>
    public bool WritesToStore => _store.IsFinal;

    /// <summary>Inference batches this process ran.</summary>
    public long BatchesRun => Interlocked.Read(ref _batches);

    /// <summary>Recent per-record embed latencies (queue wait plus inference), in milliseconds.</summary>
    public LatencySamples EmbedLatencies { get; } = new();

    /// <summary>The queue-wait part of <see cref="EmbedLatencies"/>: read to its batch starting inference, in milliseconds.</summary>
    public LatencySamples QueueWaits { get; } = new();

    /// <summary>The inference part of <see cref="EmbedLatencies"/>: its batch's inference time, in milliseconds.</summary>
    public LatencySamples Inferences { get; } = new();

    /// <summary>Recent per-record end-to-end latencies (ingested-at header to vector written), in milliseconds.</summary>
    public LatencySamples EndToEndLatencies { get; } = new();

    private static HistogramConfiguration Buckets() => new() { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) };

    /// <summary>A window closes after MaxBatchWait or at MaxBatchSize.</summary>
    protected override BatchWindow Window => new(_options.MaxBatchSize, _options.MaxBatchWait, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));

    /// <summary>
    /// When stopping, what the consumer already handed over is still embedded, so its offsets can be stored; once the
    /// consumer is done, what is left is read again after a restart instead of holding up the stop.
    /// </summary>
    protected override bool WritesQueuedOnStop => false;

    protected override Task PrepareAsync(CancellationToken ct) => _store.EnsureSchemaAsync(ct);

    protected override Item Map(ConsumeResult<byte[]?, byte[]> record)
    {
        var post = AnonymisedParsing.ParseEnriched(record.Message.Value ?? []);
        var readAt = Stopwatch.GetTimestamp();

        // Tokenised here, on the consumer thread, once: the ids both order the batch and feed the model, and the
        // inference thread never waits for the tokenizer. Activity.Current is the record's process span.
        var tokens = _embedder.Tokenize(post.EnrichedContent);
        return new Item(post, tokens, Activity.Current, readAt, PipelineHeaders.IngestedAtOf(record.Message.Headers));
    }

    protected override async Task WriteBatchAsync(IReadOnlyList<Item> window, CancellationToken ct)
    {
        // Embedded once: a retried write (the store was down) does not run the model again.
        var records = window[0].Vector is null ? Embed(window) : ToRecords(window);
        await VectorWrites.UpsertAsync(_store, records, ct);
        VectorWrites.Landed(_store, records, _clock.GetUtcNow(), EndToEndLatencies.Add);
        Interlocked.Add(ref _written, records.Count);
        Counters.RecordOut(_store.Name, records.Count);
    }

    protected override void OnRetry(Exception error) => VectorWrites.Failed(_store);

    /// <summary>Sorts the window by token count and runs it in sub-batches whose padding stays small.</summary>
    private List<VectorRecord> Embed(IReadOnlyList<Item> window)
    {
        var tokens = window.Select(i => i.Tokens.Length).ToArray();
        foreach (var batch in EmbeddingBatcher.Plan(tokens, _options.MaxBatchSize))
        {
            var started = Stopwatch.GetTimestamp();
            var output = _embedder.EmbedTokens(batch.Select(i => window[i].Tokens).ToList());
            var inference = Stopwatch.GetElapsedTime(started).TotalSeconds;
            BatchSize.Observe(batch.Count);
            Interlocked.Increment(ref _batches);
            var longest = batch.Max(i => tokens[i]);
            var real = batch.Sum(i => tokens[i]);
            PaddingWaste.Observe(((double)longest * batch.Count / real) - 1);
            for (var k = 0; k < batch.Count; k++)
            {
                var item = window[batch[k]];
                item.Vector = output[k];
                var queued = (started - item.ReadAt) / (double)Stopwatch.Frequency;
                QueueWait.Observe(queued);
                Inference.Observe(inference);
                Latency.Observe(queued + inference);
                EmbedLatencies.Add((queued + inference) * 1000);
                QueueWaits.Add(queued * 1000);
                Inferences.Add(inference * 1000);
            }
        }

        return ToRecords(window);
    }

    private static List<VectorRecord> ToRecords(IReadOnlyList<Item> window) => window.Select(item => new VectorRecord(
        item.Post.PostId, item.Post.Platform, item.Post.Content, item.Post.EnrichedContent, item.Post.Timestamp, item.Post.EngagementCount,
        item.Post.Hashtags, item.Post.MatchedProductIds, item.Vector!) { IngestedAt = item.IngestedAt, Trace = item.Span }).ToList();

    /// <summary>A post waiting for its batch: tokenised on the consumer thread, its vector set once embedded.</summary>
    public sealed record Item(EnrichedPost Post, int[] Tokens, Activity? Span, long ReadAt, DateTimeOffset? IngestedAt)
    {
        public float[]? Vector { get; set; }
    }
}
