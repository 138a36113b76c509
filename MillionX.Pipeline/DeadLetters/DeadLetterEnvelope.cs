namespace MillionX.Pipeline.DeadLetters;

/// <summary>
/// What a dead-letter topic holds: the record exactly as received plus why and where it failed, so that it can be
/// inspected and replayed. The same context travels in Kafka headers (<see cref="DeadLetterHeaders"/>).
/// </summary>
public sealed record DeadLetterEnvelope
{
    public required string Reason { get; init; }
    public required IReadOnlyList<ValidationError> Errors { get; init; }
    public required string Stage { get; init; }

    /// <summary>The topic the record was read from, or for records rejected at a source, the topic it was bound for.</summary>
    public required string SourceTopic { get; init; }
    public int? SourcePartition { get; init; }
    public long? SourceOffset { get; init; }
    public string? Key { get; init; }

    /// <summary>Where a source-rejected record came from, e.g. <c>file:orders.jsonl:17</c> or <c>sample-source</c>.</summary>
    public string? Origin { get; init; }
    public required DateTimeOffset FailedAt { get; init; }
    public int RetryCount { get; init; }

    /// <summary>
    /// The original bytes: <c>utf8</c> text, <c>base64</c> for bytes that are not UTF-8, or <c>aes-256-gcm</c>
    /// (social and market records, which hold personal data) readable only with the key named by <see cref="PayloadKeyId"/>.
    /// </summary>
    public required string OriginalPayload { get; init; }
    public required string PayloadEncoding { get; init; }
    public string? PayloadKeyId { get; init; }

    /// <summary>Diagnostic context (e.g. a bounded HTML snippet), encrypted with the payload's key when the payload is.</summary>
    public string? Detail { get; init; }
    public required int PayloadBytes { get; init; }

    /// <summary>True when the payload was larger than the envelope may carry and only its start is kept.</summary>
    public bool PayloadTruncated { get; init; }
}

public static class DeadLetterHeaders
{
    public const string Reason = "x-dlq-reason";
    public const string Stage = "x-dlq-stage";
    public const string SourceTopic = "x-dlq-source-topic";
    public const string SourcePartition = "x-dlq-source-partition";
    public const string SourceOffset = "x-dlq-source-offset";
    public const string Origin = "x-dlq-origin";
    public const string FailedAt = "x-dlq-failed-at";
    public const string RetryCount = "x-dlq-retry-count";
}
