using Confluent.Kafka;

namespace MillionX.Pipeline.DeadLetters;

/// <summary>One message of a dead-letter topic; <see cref="Envelope"/> is null when the value is not an envelope.</summary>
public sealed record DeadLetterRecord(string Topic, int Partition, long Offset, byte[]? Key, DeadLetterEnvelope? Envelope)
{
    /// <summary>Set for a letter read from the DEAD_LETTERS archive, whose offsets may repeat across embedded runs.</summary>
    public string? ArchiveId { get; init; }

    /// <summary>Identifies the letter for the replay ledger: <c>topic/partition/offset</c>, or its archive id.</summary>
    public string Id => ArchiveId ?? $"{Topic}/{Partition}/{Offset}";
}

/// <summary>
/// Reads topics from their start to the end they had when reading began, then stops: a snapshot, not a stream.
/// Assigns partitions directly (no group membership, nothing committed), so it never disturbs a stage's group.
/// </summary>
public sealed class TopicSnapshotReader(KafkaClientFactory clients)
{
    public IEnumerable<ConsumeResult<byte[]?, byte[]>> ReadToEnd(IReadOnlyCollection<string> topics, TimeSpan timeout)
    {
        var config = clients.ConsumerConfig("dlq-tools", new Dictionary<string, string>
        {
            ["enable.auto.commit"] = "false",
            ["enable.partition.eof"] = "true",
        });
        using var admin = clients.Admin();
        using var consumer = clients.ConsumerBuilder<byte[]?, byte[]>("dlq-tools", config).Build();
        var ends = new Dictionary<TopicPartition, long>();
        var starts = new List<TopicPartitionOffset>();
        // Metadata of all topics: asking for one by name lets a broker with auto-creation create it.
        var metadata = admin.GetMetadata(timeout);
        foreach (var topic in topics)
        {
            var meta = metadata.Topics.SingleOrDefault(t => t.Topic == topic);
            if (meta is null || meta.Error.Code != ErrorCode.NoError)
            {
                throw new TopicMissingException(topic, meta?.Error.Reason ?? "no metadata");
            }

            foreach (var p in meta.Partitions)
            {
                var tp = new TopicPartition(topic, p.PartitionId);
                var w = consumer.QueryWatermarkOffsets(tp, timeout);
                if (w.High.Value > w.Low.Value)
                {
                    ends[tp] = w.High.Value;
                    starts.Add(new TopicPartitionOffset(tp, w.Low));
                }
            }
        }

        if (ends.Count == 0)
        {
            yield break;
        }

        consumer.Assign(starts);
        var idleSince = DateTime.UtcNow;
        while (ends.Count > 0)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null)
            {
                if (DateTime.UtcNow - idleSince > timeout)
                {
                    throw new TimeoutException($"Reading stalled for {timeout} with {string.Join(", ", ends.Keys)} not read to their end.");
                }

                continue;
            }

            idleSince = DateTime.UtcNow;
            if (!ends.TryGetValue(r.TopicPartition, out var end))
            {
                continue;
            }

            if (r.IsPartitionEOF || r.Offset.Value >= end)
            {
                if (r.Offset.Value >= end)
                {
                    ends.Remove(r.TopicPartition);
                }

                continue;
            }

            if (r.Offset.Value + 1 >= end)
            {
                ends.Remove(r.TopicPartition);
            }

            yield return r;
        }

        consumer.Close();
    }
}

/// <summary>A topic <see cref="TopicSnapshotReader"/> was asked to read is not on the broker.</summary>
public sealed class TopicMissingException(string topic, string reason)
    : InvalidOperationException($"Topic '{topic}' does not exist on the broker ({reason}); `topics verify` lists what is missing.")
{
    public string Topic { get; } = topic;
}

/// <summary>Reads dead-letter topics as <see cref="DeadLetterRecord"/>s.</summary>
public static class DeadLetterReading
{
    public static DeadLetterRecord Parse(ConsumeResult<byte[]?, byte[]> r)
    {
        DeadLetterEnvelope? envelope = null;
        try
        {
            envelope = r.Message.Value is { Length: > 0 } v ? JsonSerializer.Deserialize(v, ContractJson.Default.DeadLetterEnvelope) : null;
        }
        catch (JsonException)
        {
        }

        return new DeadLetterRecord(r.Topic, r.Partition.Value, r.Offset.Value, r.Message.Key, envelope);
    }
}
