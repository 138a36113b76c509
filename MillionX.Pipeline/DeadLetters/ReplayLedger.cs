using Confluent.Kafka;

namespace MillionX.Pipeline.DeadLetters;

/// <summary>
/// Which dead letters a replay has already re-published: one marker per letter on the <see cref="Topic"/> topic,
/// keyed by the letter's <c>topic/partition/offset</c>, written only after the re-published record was acknowledged.
/// A replay reads the whole ledger first and skips every letter in it, so running replay twice re-publishes nothing
/// twice, while letters that were left are examined again. The ledger keeps its markers as long as the dead-letter
/// topics keep their letters (same retention, written later), so a marker never expires before its letter.
/// </summary>
public static class ReplayLedger
{
    public const string Topic = "dead-letters-replayed";

    /// <summary>Header on a re-published record naming the dead letter it came from.</summary>
    public const string ReplayOfHeader = "x-dlq-replay-of";

    public static HashSet<string> Load(TopicSnapshotReader reader, TimeSpan timeout) =>
        reader.ReadToEnd([Topic], timeout).Where(r => r.Message.Key is not null)
            .Select(r => Encoding.UTF8.GetString(r.Message.Key!)).ToHashSet(StringComparer.Ordinal);

    public static (byte[] Key, byte[] Value) Marker(DeadLetterRecord letter, string reason, int retryCount, DateTimeOffset at)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("dead_letter", letter.Id);
            json.WriteString("source_topic", letter.Envelope?.SourceTopic);
            json.WriteString("reason", reason);
            json.WriteNumber("retry_count", retryCount);
            json.WriteString("replayed_at", at.ToString("O", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        return (Encoding.UTF8.GetBytes(letter.Id), buffer.ToArray());
    }
}
