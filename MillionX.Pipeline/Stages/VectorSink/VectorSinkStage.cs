using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Kafka;
using MillionX.Pipeline.VectorStore;

namespace MillionX.Pipeline.Stages.VectorSink;

/// <summary>
/// The vector-sink role: consumes <c>enriched.embeddings</c> (written by embedding-service replicas running with
/// <c>Output = kafka</c>) and upserts the vectors into the vector store in batches. Offsets are stored only after the
/// store acknowledged a batch; a transient store failure is retried with bounded backoff while nothing is stored.
/// </summary>
public sealed class VectorSinkStage : ConsumerStage
{
    public const string StageName = "vector-sink";

    private readonly Channel<(VectorRecord Record, RecordCompletion Completion)> _queue;
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
        // Bounded by the consumer's in-flight limit, which pauses the partitions instead of blocking here.
        _queue = Channel.CreateUnbounded<(VectorRecord, RecordCompletion)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    }

    public override IReadOnlyCollection<string> Topics { get; } = [Kafka.Topics.EnrichedEmbeddings];

    /// <summary>Four batches queued behind the one being written.</summary>
    protected override int MaxInFlight => Math.Min(base.MaxInFlight, _options.MaxBatchRecords * 5);

    /// <summary>Vectors this process wrote (the ingest summary's <c>vectors</c> when the role runs).</summary>
    public long VectorsWrittenCount => Interlocked.Read(ref _written);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _store.EnsureSchemaAsync(stoppingToken);
        await RunWithWorkerAsync(BatchLoop, () => _queue.Writer.TryComplete(), stoppingToken);
    }

    protected override void Handle(ConsumeResult<byte[]?, byte[]> record, RecordCompletion completion)
    {
        var vector = EmbeddedVectorCodec.Parse(record.Message.Value ?? [], _dimensions) with
        {
            IngestedAt = PipelineHeaders.IngestedAtOf(record.Message.Headers),
        };
        // False only once the stage is stopping: the record stays unfinished and is read again.
        _queue.Writer.TryWrite((vector, completion));
    }

    private async Task BatchLoop(CancellationToken ct)
    {
        var batch = new List<(VectorRecord Record, RecordCompletion Completion)>(_options.MaxBatchRecords);
        while (await ChannelBatches.ReadAsync(_queue.Reader, batch, _options.MaxBatchRecords, _options.MaxBatchAge, ct))
        {
            // A post may appear twice in one batch (a replay); the last one wins, as it would across batches.
            var records = batch.Select(b => b.Record).Reverse().DistinctBy(r => r.PostId).Reverse().ToList();
            if (!await VectorWrites.UpsertWithRetryAsync(_store, records, _options.RetryInitialDelay, _options.RetryMaxDelay, _clock, Logger, ct))
            {
                // Shutting down before the batch was durable: its offsets stay unstored and it is read again.
                return;
            }

            VectorWrites.Landed(_store, records, _clock.GetUtcNow());
            Interlocked.Add(ref _written, records.Count);
            Counters.RecordOut(_store.Name, batch.Count);
            foreach (var (_, completion) in batch)
            {
                completion.Complete();
            }
        }
    }
}
