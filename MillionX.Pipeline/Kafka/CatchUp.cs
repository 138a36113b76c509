using Confluent.Kafka;

namespace MillionX.Pipeline.Kafka;

/// <summary>Waits until consumer stages have committed everything up to the current end of their topics.</summary>
public sealed class CatchUp(KafkaClientFactory clients, ILogger<CatchUp> logger)
{
    public async Task<bool> WaitAsync(IReadOnlyCollection<ConsumerStage> stages, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var stage in stages)
        {
            using var probe = new ConsumerBuilder<Ignore, Ignore>(clients.ConsumerConfig(stage.Name)).Build();
            var partitions = stage.Topics
                .SelectMany(t => Enumerable.Range(0, clients.Options.Topics.TryGetValue(t, out var spec) ? spec.Partitions : 1)
                    .Select(p => new TopicPartition(t, p)))
                .ToList();
            var ends = partitions.ToDictionary(tp => tp, tp => probe.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)).High.Value);
            var pending = partitions.Where(tp => ends[tp] > 0).ToList();
            while (pending.Count > 0)
            {
                if (DateTime.UtcNow > deadline)
                {
                    logger.LogError("Stage {Stage} did not catch up within {Timeout}: {Partitions}", stage.Name, timeout, string.Join(", ", pending));
                    return false;
                }

                var committed = probe.Committed(pending, TimeSpan.FromSeconds(5));
                pending = committed.Where(c => c.Offset.Value < ends[c.TopicPartition]).Select(c => c.TopicPartition).ToList();
                if (pending.Count > 0)
                {
                    await Task.Delay(100, ct);
                }
            }
        }

        return true;
    }
}
