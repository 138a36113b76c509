using System.Diagnostics;
using System.Threading.Channels;
using Confluent.Kafka;
using Prometheus;

namespace MillionX.Pipeline.Stages.EmbeddingService;

/// <summary>
/// Consumes <c>enriched.weaviate.vectors</c>, embeds <c>enriched_content</c> with all-MiniLM-L6-v2 on a model thread
/// that takes each record as soon as the model is free (int8: one text per inference; fp32: what queued meanwhile, up to
/// <c>MaxBatchSize</c>, sorted by length so little is padded), and upserts the vectors into the vector store in windows
/// of at most <c>MaxBatchWait</c> or <c>MaxBatchSize</c> records. Inference never waits for a window or a store write.
/// Offsets are stored only after the store acknowledged.
/// </summary>
public sealed class EmbeddingServiceStage : BatchingConsumerStage<EmbeddingServiceStage.Item>
{
    public const string StageName = "embedding-service";

    private static readonly Histogram QueueWait = Metrics.CreateHistogram(
        "millionx_embedding_queue_wait_seconds", "Per record: time from being read to its inference starting.", Buckets());

    private static readonly Histogram Inference = Metrics.CreateHistogram(
        "millionx_embedding_inference_seconds", "Per record: time of the model call it ran in (int8: its own text).", Buckets());

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
    private long _inferenceTicks;
    private long _texts;
    private Task? _model;
    private readonly CancellationTokenSource _modelStop = new();

    // Items on their way to the model, in the order read; bounded by MaxInFlight like the write queue.
    private readonly Channel<Item> _toModel = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true });

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

    /// <summary>The queue-wait part of <see cref="EmbedLatencies"/>: read to its inference starting, in milliseconds.</summary>
    public LatencySamples QueueWaits { get; } = new();

    /// <summary>The inference part of <see cref="EmbedLatencies"/>: the model call it ran in (int8: its own text), in milliseconds.</summary>
    public LatencySamples Inferences { get; } = new();

    /// <summary>Recent vector-store (or Kafka) writes, one sample per window, in milliseconds: the window's records wait for it.</summary>
    public LatencySamples StoreWrites { get; } = new();

    /// <summary>Mean model time per text in this process (all inference calls over all texts), in milliseconds.</summary>
    public double InferencePerTextMs
    {
        get
        {
            var texts = Interlocked.Read(ref _texts);
            return texts == 0 ? 0 : Interlocked.Read(ref _inferenceTicks) * 1000.0 / Stopwatch.Frequency / texts;
        }
    }

    /// <summary>Recent per-record end-to-end latencies (ingested-at header to vector written), in milliseconds.</summary>
    public LatencySamples EndToEndLatencies { get; } = new();

    private static HistogramConfiguration Buckets() => new() { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) };

    /// <summary>A store-write window closes after MaxBatchWait or at MaxBatchSize.</summary>
    protected override BatchWindow Window => new(_options.MaxBatchSize, _options.MaxBatchWait, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));

    /// <summary>
    /// When stopping, what the consumer already handed over is still embedded, so its offsets can be stored; once the
    /// consumer is done, what is left is read again after a restart instead of holding up the stop.
    /// </summary>
    protected override bool WritesQueuedOnStop => false;

    protected override async Task PrepareAsync(CancellationToken ct)
    {
        await _store.EnsureSchemaAsync(ct);
        var stop = _modelStop.Token;
        _model = Task.Factory.StartNew(() => ModelLoop(stop), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = stoppingToken.Register(_modelStop.Cancel);
        try
        {
            await base.ExecuteAsync(stoppingToken);
        }
        finally
        {
            // The host disposes the model session once the stage has returned: the model loop must be out of it first.
            await _modelStop.CancelAsync();
            if (_model is not null)
            {
                await _model;
            }
        }
    }

    protected override Item Map(ConsumeResult<byte[]?, byte[]> record)
    {
        var post = AnonymisedParsing.ParseEnriched(record.Message.Value ?? []);
        var readAt = Stopwatch.GetTimestamp();

        // Tokenised here, on the consumer thread, once: the ids both order the batch and feed the model, and the
        // inference thread never waits for the tokenizer. Activity.Current is the record's process span.
        var tokens = _embedder.Tokenize(post.EnrichedContent);
        var item = new Item(post, tokens, Activity.Current, readAt, PipelineHeaders.IngestedAtOf(record.Message.Headers));

        // Straight to the model: inference does not wait for a write window to fill nor for the previous window's
        // store write (measured: those waits, not the model, made the latency).
        _toModel.Writer.TryWrite(item);
        return item;
    }

    protected override async Task WriteBatchAsync(IReadOnlyList<Item> window, CancellationToken ct)
    {
        // Embedded once, by the model loop: a retried write (the store was down) does not run the model again.
        await EmbeddedAsync(window, ct);
        var records = ToRecords(window);
        var writing = Stopwatch.GetTimestamp();
        await VectorWrites.UpsertAsync(_store, records, ct);
        StoreWrites.Add(Stopwatch.GetElapsedTime(writing).TotalMilliseconds);
        VectorWrites.Landed(_store, records, _clock.GetUtcNow(), EndToEndLatencies.Add);
        Interlocked.Add(ref _written, records.Count);
        Counters.RecordOut(_store.Name, records.Count);
    }

    protected override void OnRetry(Exception error) => VectorWrites.Failed(_store);

    /// <summary>
    /// Waits until every item of the window has its vector. Once the model loop has ended (the stage is stopping, or it
    /// failed), the items it never took are embedded here, so a write in progress never waits for a loop that is gone.
    /// </summary>
    private async Task EmbeddedAsync(IReadOnlyList<Item> window, CancellationToken ct)
    {
        var all = Task.WhenAll(window.Select(i => i.Embedded));
        var model = _model ?? Task.CompletedTask;
        if (await Task.WhenAny(all, model).WaitAsync(ct) != all)
        {
            var left = window.Where(i => i.TryClaim()).ToList();
            if (left.Count > 0)
            {
                Embed(left);
            }
        }

        await all.WaitAsync(ct);
    }

    /// <summary>
    /// The model loop, on a thread of its own: takes what is queued (up to MaxBatchSize) the moment the model is free.
    /// An int8 model runs one text per inference anyway, so each text is run and handed over on its own; an fp32 model
    /// runs length-sorted sub-batches, which grow with the load by themselves.
    /// </summary>
    private void ModelLoop(CancellationToken ct)
    {
        var reader = _toModel.Reader;
        var taken = new List<Item>(_options.MaxBatchSize);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (!reader.TryRead(out var item))
                {
                    if (!reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult())
                    {
                        return;
                    }

                    continue;
                }

                taken.Clear();
                do
                {
                    if (item.TryClaim())
                    {
                        taken.Add(item);
                    }
                }
                while (taken.Count < _options.MaxBatchSize && reader.TryRead(out item));

                if (_embedder.OneTextPerRun)
                {
                    for (var k = 0; k < taken.Count; k++)
                    {
                        if (ct.IsCancellationRequested)
                        {
                            // Stopping: a stop waits for one text at most; a write under way embeds the rest itself.
                            taken.Skip(k).ToList().ForEach(i => i.Release());
                            return;
                        }

                        Embed([taken[k]]);
                    }
                }
                else if (taken.Count > 0)
                {
                    Embed(taken);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Not expected (the model's own errors reach the items in Embed); the writes waiting for these items fail
            // with it, and later windows embed their items themselves.
            foreach (var item in taken)
            {
                item.Fail(e);
            }

            throw;
        }
    }

    /// <summary>Sorts claimed items by token count, runs them in sub-batches whose padding stays small, and hands each its vector.</summary>
    private void Embed(IReadOnlyList<Item> items)
    {
        var tokens = items.Select(i => i.Tokens.Length).ToArray();
        foreach (var batch in EmbeddingBatcher.Plan(tokens, _options.MaxBatchSize))
        {
            var started = Stopwatch.GetTimestamp();
            float[][] output;
            try
            {
                output = _embedder.EmbedTokens(batch.Select(i => items[i].Tokens).ToList());
            }
            catch (Exception e)
            {
                // The write waiting for these items fails with the model's error, as it did when it ran the model itself.
                foreach (var i in batch)
                {
                    items[i].Fail(e);
                }

                continue;
            }

            var ended = Stopwatch.GetTimestamp();
            var inference = (ended - started) / (double)Stopwatch.Frequency;
            BatchSize.Observe(batch.Count);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _inferenceTicks, ended - started);
            Interlocked.Add(ref _texts, batch.Count);
            var longest = batch.Max(i => tokens[i]);
            var real = batch.Sum(i => tokens[i]);
            PaddingWaste.Observe(((double)longest * batch.Count / real) - 1);
            for (var k = 0; k < batch.Count; k++)
            {
                var item = items[batch[k]];
                var queued = (started - item.ReadAt) / (double)Stopwatch.Frequency;
                QueueWait.Observe(queued);
                Inference.Observe(inference);
                Latency.Observe(queued + inference);
                EmbedLatencies.Add((queued + inference) * 1000);
                QueueWaits.Add(queued * 1000);
                Inferences.Add(inference * 1000);
                item.Done(output[k]);
            }
        }
    }

    private static List<VectorRecord> ToRecords(IReadOnlyList<Item> window) => window.Select(item => new VectorRecord(
        item.Post.PostId, item.Post.Platform, item.Post.Content, item.Post.EnrichedContent, item.Post.Timestamp, item.Post.EngagementCount,
        item.Post.Hashtags, item.Post.MatchedProductIds, item.Vector!) { IngestedAt = item.IngestedAt, Trace = item.Span }).ToList();

    /// <summary>A post on its way to the store: tokenised on the consumer thread, its vector set once, by whoever claimed it.</summary>
    public sealed record Item(EnrichedPost Post, int[] Tokens, Activity? Span, long ReadAt, DateTimeOffset? IngestedAt)
    {
        private readonly TaskCompletionSource _embedded = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _claimed;

        public float[]? Vector { get; private set; }

        /// <summary>Completes when <see cref="Vector"/> is set (or the model failed on it).</summary>
        public Task Embedded => _embedded.Task;

        /// <summary>True for the one caller that gets to run the model on this item.</summary>
        internal bool TryClaim() => Interlocked.Exchange(ref _claimed, 1) == 0;

        /// <summary>Gives a claimed item back unembedded (the model loop is stopping), for a write to claim.</summary>
        internal void Release() => Volatile.Write(ref _claimed, 0);

        internal void Done(float[] vector)
        {
            Vector = vector;
            _embedded.TrySetResult();
        }

        internal void Fail(Exception error) => _embedded.TrySetException(error);
    }
}
