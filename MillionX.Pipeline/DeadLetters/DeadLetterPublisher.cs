using System.Text.Unicode;
using Confluent.Kafka;

namespace MillionX.Pipeline.DeadLetters;

/// <summary>Where a dead letter came from.</summary>
/// <param name="Detail">Diagnostic context that may hold personal data (e.g. a scraped card's HTML): encrypted like the payload.</param>
public readonly record struct RecordContext(string Stage, string SourceTopic, int? Partition = null, long? Offset = null, byte[]? Key = null, string? Origin = null, int RetryCount = 0, string? Detail = null);

/// <summary>Sends bad records to their dead-letter topic: envelope as the value, the same context as headers.</summary>
public sealed class DeadLetterPublisher(PipelineProducer producer, PipelineMetrics metrics, DeadLetterCrypto crypto, TimeProvider clock)
{
    /// <summary>The payload an envelope carries at most; the record's size is kept either way.</summary>
    public const int MaxPayloadBytes = 512 * 1024;

    /// <summary>
    /// An envelope's largest encoded size: under the producer's <c>message.max.bytes</c> (1 MB) with room for headers, so a
    /// dead letter never fails its own produce for its size.
    /// </summary>
    public const int MaxEnvelopeBytes = 900 * 1024;

    /// <summary>
    /// Publishes a dead letter; <paramref name="onDelivered"/> always runs, with the broker's answer or with the error that
    /// kept the letter from being queued (it never throws into the consume loop). Every dead-letter topic is encrypted:
    /// a weather record can carry anything a sender typed too.
    /// </summary>
    public void Publish(RecordContext context, ReadOnlySpan<byte> payload, IReadOnlyList<ValidationError> errors, Action<DeliveryReport<byte[]?, byte[]>> onDelivered)
    {
        var topic = Topics.DeadLetterTopicFor(context.SourceTopic);
        var (envelope, value) = Encode(context, payload, errors, clock.GetUtcNow(), crypto);
        var headers = Headers(envelope);
        try
        {
            producer.Produce(topic, context.Key, value, headers, report =>
            {
                if (report.Error.Code == ErrorCode.NoError)
                {
                    metrics.Stage(context.Stage).RecordDeadLetter(envelope.Reason);
                }

                onDelivered(report);
            });
        }
        catch (KafkaException ex)
        {
            onDelivered(new DeliveryReport<byte[]?, byte[]> { Error = ex.Error, Topic = topic, Status = PersistenceStatus.NotPersisted });
        }
    }

    /// <summary>
    /// The envelope and its encoded bytes, at most <see cref="MaxEnvelopeBytes"/>: sized by the encoded bytes, not the
    /// payload's (JSON escaping can make a line of <c>&lt;</c> six times larger), halving the payload kept until it fits.
    /// </summary>
    public static (DeadLetterEnvelope Envelope, byte[] Value) Encode(
        RecordContext context, ReadOnlySpan<byte> payload, IReadOnlyList<ValidationError> errors, DateTimeOffset now, DeadLetterCrypto? crypto)
    {
        for (var keep = MaxPayloadBytes; ; keep /= 2)
        {
            var envelope = Build(context, payload, errors, now, crypto, keep);
            var value = JsonSerializer.SerializeToUtf8Bytes(envelope, ContractJson.Default.DeadLetterEnvelope);
            if (value.Length <= MaxEnvelopeBytes || keep == 0)
            {
                return (envelope, value);
            }
        }
    }

    public static DeadLetterEnvelope Build(
        RecordContext context, ReadOnlySpan<byte> payload, IReadOnlyList<ValidationError> errors, DateTimeOffset now, DeadLetterCrypto? crypto = null,
        int maxPayloadBytes = MaxPayloadBytes)
    {
        var truncated = payload.Length > maxPayloadBytes;
        var kept = truncated ? payload[..maxPayloadBytes] : payload;
        var isText = Utf8.IsValid(kept);
        var (text, encoding, keyId) = crypto is not null
            ? (crypto.Encrypt(kept), DeadLetterCrypto.Encoding, crypto.KeyId)
            : isText ? (Encoding.UTF8.GetString(kept), "utf8", (string?)null) : (Convert.ToBase64String(kept), "base64", null);
        return new DeadLetterEnvelope
        {
            Reason = errors.Count > 0 ? errors[0].Code : "unknown",
            Errors = errors,
            Stage = context.Stage,
            SourceTopic = context.SourceTopic,
            SourcePartition = context.Partition,
            SourceOffset = context.Offset,
            Key = context.Key is null ? null : Encoding.UTF8.GetString(context.Key),
            Origin = context.Origin,
            FailedAt = now,
            RetryCount = context.RetryCount,
            OriginalPayload = text,
            PayloadEncoding = encoding,
            PayloadKeyId = keyId,
            Detail = context.Detail is null ? null : crypto is not null ? crypto.Encrypt(Encoding.UTF8.GetBytes(context.Detail)) : context.Detail,
            PayloadBytes = payload.Length,
            PayloadTruncated = truncated,
        };
    }

    /// <summary>The envelope's detail as text (decrypting needs the key when the payload is encrypted).</summary>
    public static string? DetailText(DeadLetterEnvelope envelope, DeadLetterCrypto? crypto = null) =>
        envelope.Detail is null ? null
        : envelope.PayloadEncoding == DeadLetterCrypto.Encoding
            ? Encoding.UTF8.GetString((crypto ?? throw new InvalidOperationException("This dead letter is encrypted; a DeadLetterCrypto with its key is needed."))
                .Decrypt(envelope.Detail, envelope.PayloadKeyId ?? ""))
            : envelope.Detail;

    /// <summary>Decodes an envelope's payload back to the bytes that were received (decrypting needs the key).</summary>
    public static byte[] OriginalBytes(DeadLetterEnvelope envelope, DeadLetterCrypto? crypto = null) => envelope.PayloadEncoding switch
    {
        "base64" => Convert.FromBase64String(envelope.OriginalPayload),
        DeadLetterCrypto.Encoding => (crypto ?? throw new InvalidOperationException("This dead letter is encrypted; a DeadLetterCrypto with its key is needed."))
            .Decrypt(envelope.OriginalPayload, envelope.PayloadKeyId ?? ""),
        _ => Encoding.UTF8.GetBytes(envelope.OriginalPayload),
    };

    private static Headers Headers(DeadLetterEnvelope e)
    {
        var h = new Headers
        {
            { DeadLetterHeaders.Reason, Encoding.UTF8.GetBytes(e.Reason) },
            { DeadLetterHeaders.Stage, Encoding.UTF8.GetBytes(e.Stage) },
            { DeadLetterHeaders.SourceTopic, Encoding.UTF8.GetBytes(e.SourceTopic) },
            { DeadLetterHeaders.FailedAt, Encoding.UTF8.GetBytes(e.FailedAt.ToString("O", CultureInfo.InvariantCulture)) },
            { DeadLetterHeaders.RetryCount, Encoding.UTF8.GetBytes(e.RetryCount.ToString(CultureInfo.InvariantCulture)) },
        };
        if (e.SourcePartition is { } p)
        {
            h.Add(DeadLetterHeaders.SourcePartition, Encoding.UTF8.GetBytes(p.ToString(CultureInfo.InvariantCulture)));
        }

        if (e.SourceOffset is { } o)
        {
            h.Add(DeadLetterHeaders.SourceOffset, Encoding.UTF8.GetBytes(o.ToString(CultureInfo.InvariantCulture)));
        }

        if (e.Origin is { } origin)
        {
            h.Add(DeadLetterHeaders.Origin, Encoding.UTF8.GetBytes(origin));
        }

        return h;
    }
}
