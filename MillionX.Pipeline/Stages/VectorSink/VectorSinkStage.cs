using Confluent.Kafka;

namespace MillionX.Pipeline.Stages.VectorSink;

/// <summary>
/// The vector-sink role: consumes <c>enriched.embeddings</c> (written by embedding-service replicas running with
/// <c>Output = kafka</c>) and upserts the vectors into the vector store in batches. Offsets are stored only after the
/// store acknowledged a batch; a transient store failure is retried with bounded backoff while nothing is stored.
/// </summary>
public sealed class VectorSinkStage : BatchingConsumerStage<VectorRecord>
{
    public const string StageName = "vector-sink";

    private readonly IVectorStore _store;
    private readonly VectorSinkOptions _options;
    private readonly int _dimensions;
    private readonly TimeProvider _clock;
    private long _written;

    public VectorSinkStage(StageServices services, IVectorStore store, IOptions<VectorSinkOptions> options, IOptions<VectorStoreOptions> storeOptions, TimeProvider clock)
        : base(StageName, services)
    {
        _store = store;
        _options = options.Value;
        _dimensions = storeOptions.Value.Dimensions;
        _clock = clock;
    }

    public override IReadOnlyCollection<string> Topics { get; } = [Kafka.Topics.EnrichedEmbeddings];

    /// <summary>Four batches queued behind the one being written.</summary>
    protected override int MaxInFlight => Math.Min(base.MaxInFlight, _options.MaxBatchRecords * 5);

    /// <summary>Vectors this process wrote (the ingest summary's <c>vectors</c> when the role runs).</summary>
    public long VectorsWrittenCount => Interlocked.Read(ref _written);

    protected override BatchWindow Window => new(_options.MaxBatchRecords, _options.MaxBatchAge, _options.RetryInitialDelay, _options.RetryMaxDelay);

    protected override Task PrepareAsync(CancellationToken ct) => _store.EnsureSchemaAsync(ct);

    protected override VectorRecord Map(ConsumeResult<byte[]?, byte[]> record) =>
        EmbeddedVectorCodec.Parse(record.Message.Value ?? [], _dimensions) with
        {
            IngestedAt = PipelineHeaders.IngestedAtOf(record.Message.Headers),
        };

    protected override async Task WriteBatchAsync(IReadOnlyList<VectorRecord> batch, CancellationToken ct)
    {
        // A post may appear twice in one batch (a replay); the last one wins, as it would across batches.
        var records = batch.Reverse().DistinctBy(r => r.PostId).Reverse().ToList();
        await VectorWrites.UpsertAsync(_store, records, ct);
        VectorWrites.Landed(_store, records, _clock.GetUtcNow());
        Interlocked.Add(ref _written, records.Count);
        Counters.RecordOut(_store.Name, batch.Count);
    }

    protected override void OnRetry(Exception error) => VectorWrites.Failed(_store);
}
