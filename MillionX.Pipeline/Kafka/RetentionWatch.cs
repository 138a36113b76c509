using Confluent.Kafka;
using Prometheus;

namespace MillionX.Pipeline.Kafka;

/// <summary>
/// The embedded broker drops the oldest messages of a partition past ~5 MiB or 100,000 message sets, silently. A
/// partition's log-start offset above zero is the proof that it happened: this watch reports it loudly (error log
/// and <c>millionx_broker_dropped_messages_total</c>). It only runs against the embedded broker.
/// </summary>
public sealed class RetentionWatch(KafkaCluster cluster, KafkaClientFactory factory, IOptions<KafkaOptions> options, ILogger<RetentionWatch> logger)
    : BackgroundService
{
    private static readonly Counter Dropped = Metrics.CreateCounter(
        "millionx_broker_dropped_messages_total",
        "Messages the embedded in-memory broker discarded because a partition outgrew its memory limit.",
        "topic", "partition");

    private readonly Dictionary<TopicPartition, long> _reported = [];

    /// <summary>Total messages found dropped so far (for tests and the progress line).</summary>
    public long DroppedTotal { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!cluster.IsEmbedded)
        {
            return;
        }

        using var consumer = factory.Consumer<Ignore, Ignore>("retention-watch");
        var interval = options.Value.Embedded.RetentionCheckInterval;
        var partitions = options.Value.Topics
            .SelectMany(t => Enumerable.Range(0, t.Value.Partitions).Select(p => new TopicPartition(t.Key, p)))
            .ToList();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await Task.Run(() => Check(consumer, partitions), stoppingToken);
        }
    }

    internal void Check(IConsumer<Ignore, Ignore> consumer, IEnumerable<TopicPartition> partitions)
    {
        foreach (var tp in partitions)
        {
            WatermarkOffsets w;
            try
            {
                w = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(2));
            }
            catch (KafkaException)
            {
                continue;
            }

            var low = w.Low.Value;
            _reported.TryGetValue(tp, out var before);
            if (low > before)
            {
                _reported[tp] = low;
                DroppedTotal += low - before;
                Dropped.WithLabels(tp.Topic, tp.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc(low - before);
                logger.LogError(
                    "DATA LOSS in the embedded broker: {Topic}[{Partition}] dropped {Count} messages (log start is now offset {Low}) because the partition outgrew the in-memory limit (~5 MiB or 100,000 message sets). "
                    + "Any consumer that had not read them lost them. Lower the source rate, add partitions to the catalog, or use a real Kafka cluster.",
                    tp.Topic, tp.Partition.Value, low - before, low);
            }
        }
    }
}
