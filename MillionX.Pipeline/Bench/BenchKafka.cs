using Confluent.Kafka;

namespace MillionX.Pipeline.Bench;

/// <summary>A measurement could not complete; the bench reports this instead of a number.</summary>
public sealed class BenchFailedException(string message) : Exception(message);

/// <summary>
/// Partition counts sized so no partition holds more than <see cref="MaxBytesPerPartition"/> in any one measurement:
/// the embedded broker keeps only about 5 MiB per partition and silently drops the oldest beyond that.
/// </summary>
public sealed class TopicSizing(IReadOnlyDictionary<string, int> catalog)
{
    public const long MaxBytesPerPartition = 4L << 20;

    // Per-record overhead in a message set (offsets, lengths, headers), on top of key and value.
    private const int RecordOverhead = 96;

    private readonly Dictionary<string, long> _bytes = new(StringComparer.Ordinal);

    /// <summary>One measurement puts <paramref name="records"/> of at most <paramref name="maxRecordBytes"/> on <paramref name="topic"/>.</summary>
    public void Need(string topic, long records, int maxRecordBytes) =>
        _bytes[topic] = Math.Max(_bytes.GetValueOrDefault(topic), records * (maxRecordBytes + RecordOverhead));

    public IReadOnlyDictionary<string, int> Partitions()
    {
        var result = new Dictionary<string, int>(catalog, StringComparer.Ordinal);
        foreach (var (topic, bytes) in _bytes)
        {
            result[topic] = Math.Max(result.GetValueOrDefault(topic, 1), (int)Math.Ceiling(bytes / (double)MaxBytesPerPartition));
        }

        return result;
    }
}

/// <summary>The bench's view of its broker: end offsets, loss checks, group positioning and bulk produce.</summary>
public sealed class BenchKafka : IDisposable
{
    private readonly IConsumer<Ignore, Ignore> _probe;
    private readonly PipelineProducer _producer;

    private readonly KafkaClientFactory _clients;

    public BenchKafka(KafkaClientFactory clients, IReadOnlyDictionary<string, int> partitions)
    {
        _clients = clients;
        Partitions = partitions;
        _probe = clients.Consumer<Ignore, Ignore>("bench-probe-" + Guid.NewGuid().ToString("N"));
        _producer = new PipelineProducer(clients, Microsoft.Extensions.Logging.Abstractions.NullLogger<PipelineProducer>.Instance);
    }

    public IReadOnlyDictionary<string, int> Partitions { get; }

    public PipelineProducer Producer => _producer;

    private bool IsCompacted(string topic) =>
        _clients.Options.Topics.TryGetValue(topic, out var spec) && spec.CleanupPolicy?.Contains("compact", StringComparison.Ordinal) == true;

    public IEnumerable<TopicPartition> PartitionsOf(IEnumerable<string> topics) =>
        topics.SelectMany(t => Enumerable.Range(0, Partitions[t]).Select(p => new TopicPartition(t, p)));

    public Dictionary<TopicPartition, long> Ends(params string[] topics) =>
        PartitionsOf(topics).ToDictionary(tp => tp, tp => _probe.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value);

    public long EndSum(params string[] topics) => Ends(topics).Values.Sum();

    /// <summary>
    /// Fails when the broker dropped any record at or after <paramref name="start"/> (a partition's log start passed
    /// it): numbers from such a run would be measured on lost data.
    /// </summary>
    public void AssertNothingLost(string measurement, Dictionary<TopicPartition, long> start)
    {
        foreach (var (tp, offset) in start)
        {
            var low = _probe.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).Low.Value;
            if (low > offset)
            {
                throw new BenchFailedException($"{measurement}: the embedded broker dropped records of {tp} (log start {low} > {offset}); partitions are too small for this volume.");
            }
        }
    }

    /// <summary>
    /// Drops every record now on <paramref name="topics"/> from <paramref name="broker"/>, once the measurements that read
    /// them have counted them: the mock cluster keeps every record in memory, and a real broker would have let them age
    /// out instead of holding a whole bench run. Compacted topics keep their records, as on a real broker, which keeps each
    /// key's last record for good: an emptied <c>privacy.key-fingerprints</c> made every later host record its key ids
    /// again while starting (two awaited sends and a second read, about 0.5 s), which measurements timed from the host's
    /// start (dlq_monitor_per_s) counted. Returns how many records were dropped.
    /// </summary>
    public long Truncate(EmbeddedBroker broker, IEnumerable<string> topics)
    {
        long dropped = 0;
        foreach (var tp in PartitionsOf(topics.Where(t => !IsCompacted(t))))
        {
            var w = _probe.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10));
            if (w.High.Value > w.Low.Value)
            {
                broker.DeleteRecords(tp.Topic, tp.Partition.Value, w.High.Value);
                dropped += w.High.Value - w.Low.Value;
            }
        }

        return dropped;
    }

    /// <summary>
    /// Commits <paramref name="groupId"/> at <paramref name="offsets"/> before its stage starts, so a fresh group reads
    /// only what this measurement produces, not what earlier measurements left on the topic.
    /// </summary>
    public void PositionGroup(string groupId, Dictionary<TopicPartition, long> offsets)
    {
        var config = _clients.ConsumerConfig(groupId);
        config.GroupId = groupId;
        config.EnableAutoCommit = false;
        using var c = _clients.ConsumerBuilder<Ignore, Ignore>(groupId, config).Build();
        var list = offsets.Select(o => new TopicPartitionOffset(o.Key, new Offset(o.Value))).ToList();
        c.Commit(list);
        var committed = c.Committed(offsets.Keys, TimeSpan.FromSeconds(10));
        if (committed.Any(x => x.Offset.Value != offsets[x.TopicPartition]))
        {
            throw new BenchFailedException($"Could not position consumer group {groupId} at the end of its topics.");
        }
    }

    /// <summary>Produces every record with delivery callbacks (never one awaited send per message) and waits for all acknowledgements.</summary>
    public void ProduceAll(IEnumerable<BenchRecord> records, string measurement)
    {
        long failed = 0, sent = 0;
        Error? firstError = null;
        foreach (var r in records)
        {
            Produce(r.Topic, r.Key, r.Value, null, report =>
            {
                if (report.Error.IsError)
                {
                    firstError ??= report.Error;
                    Interlocked.Increment(ref failed);
                }
            });
            sent++;
        }

        if (!_producer.Flush(TimeSpan.FromMinutes(2)) || Interlocked.Read(ref failed) > 0)
        {
            throw new BenchFailedException($"{measurement}: {Interlocked.Read(ref failed)} of {sent} records were not delivered ({firstError?.Reason ?? "flush timed out"}).");
        }
    }

    /// <summary>The pipeline's own producing path: it waits while librdkafka's queue is full.</summary>
    public void Produce(string topic, byte[] key, byte[] value, Headers? headers, Action<DeliveryReport<byte[]?, byte[]>> onDelivered) =>
        _producer.Produce(topic, key, value, headers, onDelivered);

    public void Dispose()
    {
        _producer.Dispose(); // flushes first
        _probe.Dispose();
    }
}
