using System.Security.Cryptography;

namespace MillionX.Pipeline.DeadLetters;

/// <summary>
/// The verdict on one dead letter today: <see cref="Passes"/> with the record to re-publish (key, value, topic), or
/// the reason it is still left.
/// </summary>
public sealed record Revalidation(bool Passes, string Reason, string? Topic, byte[]? Key, byte[]? Value, IReadOnlyList<ValidationError> Errors)
{
    public static Revalidation Left(string reason, string message) => new(false, reason, null, null, null, [new("$", reason, message)]);
}

/// <summary>
/// Re-validates dead letters with today's rules and keys, the same way their source topic's first reader would:
/// records bound for a source topic through <see cref="SourceGate"/> (the validation every source uses), records of
/// the privacy shield's and enricher's output topics through <see cref="AnonymisedParsing"/>. Pure apart from the key.
/// </summary>
public sealed class DeadLetterRevalidation(SourceGate gate, DeadLetterCrypto crypto)
{
    /// <summary>Why a letter is left without validating it at all.</summary>
    public static class LeftReasons
    {
        public const string UnreadableEnvelope = "unreadable_envelope";
        public const string PayloadTruncated = "payload_truncated";
        public const string Undecryptable = "undecryptable";
        public const string NoValidator = "no_validator";
    }

    public Revalidation Check(DeadLetterEnvelope? envelope)
    {
        if (envelope is null)
        {
            return Revalidation.Left(LeftReasons.UnreadableEnvelope, "the message is not a dead-letter envelope");
        }

        if (envelope.PayloadTruncated)
        {
            return Revalidation.Left(LeftReasons.PayloadTruncated, $"only the first {DeadLetterPublisher.MaxPayloadBytes} of {envelope.PayloadBytes} bytes were kept");
        }

        byte[] payload;
        try
        {
            payload = DeadLetterPublisher.OriginalBytes(envelope, crypto);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return Revalidation.Left(LeftReasons.Undecryptable, "the payload cannot be decoded with the configured keys: " + ex.Message);
        }

        var topic = envelope.SourceTopic;
        var sources = Enum.GetValues<SourceKind>().Where(k => k.Topic() == topic).ToList();
        if (sources.Count == 1)
        {
            var result = gate.Admit(sources[0], payload);
            return result.Accepted
                ? new(true, "ok", topic, result.Key, result.Value, [])
                : new(false, result.Reason!, null, null, null, result.Errors);
        }

        try
        {
            switch (topic)
            {
                case Topics.AnonymisedOrders:
                    AnonymisedParsing.ParseOrder(payload, gate.Limits);
                    break;
                case Topics.AnonymisedPosts:
                    AnonymisedParsing.ParsePost(payload);
                    break;
                case Topics.EnrichedPosts:
                    AnonymisedParsing.ParseEnriched(payload);
                    break;
                default:
                    return Revalidation.Left(LeftReasons.NoValidator, $"no validation is known for source topic '{topic}'");
            }
        }
        catch (RecordRejectedException ex)
        {
            return new(false, ex.Errors.Count > 0 ? ex.Errors[0].Code : "unknown", null, null, null, ex.Errors);
        }

        return new(true, "ok", topic, envelope.Key is null ? null : Encoding.UTF8.GetBytes(envelope.Key), payload, []);
    }
}
