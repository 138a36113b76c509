using System.Diagnostics;
using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.Contracts;
using MillionX.Pipeline.Embedding;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Kafka;
using MillionX.Pipeline.VectorStore;
using Prometheus;

namespace MillionX.Pipeline.Stages.EmbeddingService;

/// <summary>
/// Consumes <c>enriched.weaviate.vectors</c>, embeds <c>enriched_content</c> with all-MiniLM-L6-v2 in micro-batches
/// (collected for at most <c>MaxBatchWait</c> or <c>MaxBatchSize</c> records, sorted by length so little is padded)
/// and upserts the vectors into the vector store. Offsets are stored only after the store acknowledged.
/// </summary>
public sealed class EmbeddingServiceStage : ConsumerStage
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

    private static readonly Counter VectorsWritten = Metrics.CreateCounter(
        "millionx_vectors_written_total", "Vectors upserted into the vector store.", "store");

    private static readonly Histogram EndToEnd = Metrics.CreateHistogram(
        "millionx_end_to_end_latency_seconds", "Source record accepted to its vector written; the plan's < 5 s.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.01, 2, 14) });

    private readonly Channel<Item> _queue;
    private readonly ITextEmbedder _embedder;
    private readonly IVectorStore _store;
    private readonly EmbeddingOptions _options;
    private readonly TimeProvider _clock;
    private long _written;

    public EmbeddingServiceStage(StageServices services, ITextEmbedder embedder, IVectorStore store, IOptions<EmbeddingOptions> options, TimeProvider clock)
        : base(StageName, services)
    {
        _embedder = embedder;
        _store = store;
        _options = options.Value;
        _clock = clock;
        _queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(_options.QueueCapacity) { SingleReader = true, SingleWriter = true });
    }

    public override IReadOnlyCollection<string> Topics { get; } = [Kafka.Topics.EnrichedVectors];

    /// <summary>Vectors this process wrote (the ingest summary's <c>vectors</c>).</summary>
    public long VectorsWrittenCount => Interlocked.Read(ref _written);

    /// <summary>Recent per-record embed latencies (queue wait plus inference), in milliseconds.</summary>
    public LatencySamples EmbedLatencies { get; } = new();

    /// <summary>Recent per-record end-to-end latencies (ingested-at header to vector written), in milliseconds.</summary>
    public LatencySamples EndToEndLatencies { get; } = new();

    private static HistogramConfiguration Buckets() => new() { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _store.EnsureSchemaAsync(stoppingToken);
        await RunWithWorkerAsync(EmbedLoop, () => _queue.Writer.TryComplete(), stoppingToken);
    }

    protected override void Handle(ConsumeResult<byte[]?, byte[]> record, RecordCompletion completion)
    {
        var post = AnonymisedParsing.ParseEnriched(record.Message.Value ?? []);
        _queue.Writer.WriteBlocking(new Item(post, completion, Stopwatch.GetTimestamp(), PipelineHeaders.IngestedAtOf(record.Message.Headers)));
    }

    private async Task EmbedLoop(CancellationToken ct)
    {
        var reader = _queue.Reader;
        var window = new List<Item>(_options.MaxBatchSize);
        while (true)
        {
            window.Clear();
            try
            {
                if (!await reader.WaitToReadAsync(ct))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // Collect for at most MaxBatchWait after the first record, or until the batch is full.
            var deadline = Stopwatch.GetTimestamp() + (long)(_options.MaxBatchWait.TotalSeconds * Stopwatch.Frequency);
            while (window.Count < _options.MaxBatchSize)
            {
                if (reader.TryRead(out var item))
                {
                    window.Add(item);
                    continue;
                }

                var left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0)
                {
                    break;
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
                try
                {
                    if (!await reader.WaitToReadAsync(wait.Token))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            var records = Embed(window);
            if (!await UpsertAsync(records, ct))
            {
                return;
            }

            var now = _clock.GetUtcNow();
            foreach (var item in window)
            {
                if (item.IngestedAt is { } at)
                {
                    var seconds = Math.Max(0, (now - at).TotalSeconds);
                    EndToEnd.Observe(seconds);
                    EndToEndLatencies.Add(seconds * 1000);
                }

                item.Completion.Complete();
            }

            Interlocked.Add(ref _written, records.Count);
            VectorsWritten.WithLabels(_store.Name).Inc(records.Count);
            Counters.RecordOut(_store.Name, records.Count);
        }
    }

    /// <summary>Sorts the window by token count and runs it in sub-batches whose padding stays small.</summary>
    private List<VectorRecord> Embed(List<Item> window)
    {
        var texts = window.Select(i => i.Post.EnrichedContent).ToList();
        var tokens = texts.Select(_embedder.CountTokens).ToArray();
        var vectors = new float[window.Count][];
        foreach (var batch in EmbeddingBatcher.Plan(tokens, _options.MaxBatchSize))
        {
            var started = Stopwatch.GetTimestamp();
            var output = _embedder.Embed(batch.Select(i => texts[i]).ToList());
            var inference = Stopwatch.GetElapsedTime(started).TotalSeconds;
            BatchSize.Observe(batch.Count);
            var longest = batch.Max(i => tokens[i]);
            var real = batch.Sum(i => tokens[i]);
            PaddingWaste.Observe(((double)longest * batch.Count / real) - 1);
            for (var k = 0; k < batch.Count; k++)
            {
                var item = window[batch[k]];
                vectors[batch[k]] = output[k];
                var queued = (started - item.ReadAt) / (double)Stopwatch.Frequency;
                QueueWait.Observe(queued);
                Inference.Observe(inference);
                Latency.Observe(queued + inference);
                EmbedLatencies.Add((queued + inference) * 1000);
            }
        }

        return window.Select((item, i) => new VectorRecord(
            item.Post.PostId, item.Post.Platform, item.Post.Content, item.Post.EnrichedContent, item.Post.Timestamp, item.Post.EngagementCount,
            item.Post.Hashtags, item.Post.MatchedProductIds, vectors[i])).ToList();
    }

    private async Task<bool> UpsertAsync(List<VectorRecord> records, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var bound = new CancellationTokenSource(ct.IsCancellationRequested ? TimeSpan.FromSeconds(2) : Timeout.InfiniteTimeSpan);
                await _store.UpsertAsync(records, bound.Token);
                return true;
            }
            catch (TransientVectorStoreException ex)
            {
                var wait = Backoff.Jitter(delay);
                Logger.LogWarning("Vector store write of {Count} vectors failed (attempt {Attempt}): {Error}; retrying in {Delay:0.0} s, offsets not stored",
                    records.Count, attempt, ex.Message, wait.TotalSeconds);
                try
                {
                    await Task.Delay(wait, _clock, ct);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }

                delay = Backoff.Grow(delay, TimeSpan.FromSeconds(30));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return false;
            }
        }
    }

    private sealed record Item(EnrichedPost Post, RecordCompletion Completion, long ReadAt, DateTimeOffset? IngestedAt);
}
