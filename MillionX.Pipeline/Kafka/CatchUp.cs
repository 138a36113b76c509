using Confluent.Kafka;

namespace MillionX.Pipeline.Kafka;

/// <summary>
/// Waits until consumer stages have committed everything up to the end of their topics. Stages feed each other
/// (privacy shield into enricher into embedder), so the check repeats until one full pass finds every stage caught
/// up and no topic's end moved.
/// </summary>
public sealed class CatchUp(KafkaClientFactory clients, ILogger<CatchUp> logger)
{
    public async Task<bool> WaitAsync(IReadOnlyCollection<ConsumerStage> stages, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        var probes = stages.ToDictionary(s => s, s => clients.Consumer<Ignore, Ignore>(s.Name));
        try
        {
            var partitions = stages.ToDictionary(s => s, s => s.Topics
                .SelectMany(t => Enumerable.Range(0, clients.Options.Topics.TryGetValue(t, out var spec) ? spec.Partitions : 1).Select(p => new TopicPartition(t, p)))
                .ToList());
            Dictionary<TopicPartition, long>? previous = null;
            while (true)
            {
                var ends = new Dictionary<TopicPartition, long>();
                foreach (var tp in partitions.Values.SelectMany(p => p).Distinct())
                {
                    ends[tp] = probes.Values.First().QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)).High.Value;
                }

                if (previous is not null && ends.All(e => previous.TryGetValue(e.Key, out var v) && v == e.Value))
                {
                    return true;
                }

                foreach (var stage in stages)
                {
                    var pending = partitions[stage].Where(tp => ends[tp] > 0).ToList();
                    while (pending.Count > 0)
                    {
                        if (DateTime.UtcNow > deadline)
                        {
                            logger.LogError("Stage {Stage} did not catch up within {Timeout}: {Partitions}", stage.Name, timeout, string.Join(", ", pending));
                            return false;
                        }

                        var committed = probes[stage].Committed(pending, TimeSpan.FromSeconds(5));
                        pending = committed.Where(c => c.Offset.Value < ends[c.TopicPartition]).Select(c => c.TopicPartition).ToList();
                        if (pending.Count > 0)
                        {
                            await Task.Delay(100, ct);
                        }
                    }
                }

                previous = ends;
            }
        }
        finally
        {
            foreach (var p in probes.Values)
            {
                p.Dispose();
            }
        }
    }
}
