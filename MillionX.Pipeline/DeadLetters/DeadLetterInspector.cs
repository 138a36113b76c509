using System.Security.Cryptography;

namespace MillionX.Pipeline.DeadLetters;

public sealed record DeadLetterCount(string Topic, string Stage, string Reason, long Count);

/// <summary>One dead letter as shown to a person: context, every broken rule, and the payload with personal data masked.</summary>
public sealed record DeadLetterSample(
    string Id, string Topic, string Stage, string Reason, string? SourceTopic, string? Origin, DateTimeOffset? FailedAt, int RetryCount,
    IReadOnlyList<ValidationError> Errors, string MaskedPayload);

public sealed record InspectReport(long Read, long Matched, IReadOnlyList<DeadLetterCount> Counts, IReadOnlyList<DeadLetterSample> Samples);

/// <summary>
/// Counts dead letters by topic, failing stage and reason and keeps the first <c>N</c> of each reason as samples,
/// decrypted and then masked (<see cref="DeadLetterMasking"/>): the raw payload never leaves this class. Pure apart
/// from the keys.
/// </summary>
public sealed class DeadLetterInspector(DeadLetterCrypto crypto, DeadLetterMasking masking)
{
    public const string UnreadableEnvelope = DeadLetterRevalidation.LeftReasons.UnreadableEnvelope;

    public static string ReasonOf(DeadLetterRecord letter) => letter.Envelope?.Reason ?? UnreadableEnvelope;

    public InspectReport Inspect(IEnumerable<DeadLetterRecord> letters, string? reason, int samplesPerReason)
    {
        var counts = new Dictionary<(string Topic, string Stage, string Reason), long>();
        var samples = new List<DeadLetterSample>();
        var sampled = new Dictionary<string, int>(StringComparer.Ordinal);
        long read = 0, matched = 0;
        foreach (var letter in letters)
        {
            read++;
            var why = ReasonOf(letter);
            if (reason is not null && why != reason)
            {
                continue;
            }

            matched++;
            var key = (letter.Topic, letter.Envelope?.Stage ?? "unknown", why);
            counts[key] = counts.GetValueOrDefault(key) + 1;
            if (sampled.GetValueOrDefault(why) < samplesPerReason)
            {
                sampled[why] = sampled.GetValueOrDefault(why) + 1;
                samples.Add(Sample(letter, why));
            }
        }

        var ordered = counts.Select(c => new DeadLetterCount(c.Key.Topic, c.Key.Stage, c.Key.Reason, c.Value))
            .OrderBy(c => c.Topic, StringComparer.Ordinal).ThenBy(c => c.Stage, StringComparer.Ordinal).ThenBy(c => c.Reason, StringComparer.Ordinal).ToList();
        return new InspectReport(read, matched, ordered, samples);
    }

    private DeadLetterSample Sample(DeadLetterRecord letter, string reason)
    {
        var e = letter.Envelope;
        string payload;
        if (e is null)
        {
            payload = "(not a dead-letter envelope)";
        }
        else
        {
            try
            {
                payload = masking.Mask(DeadLetterPublisher.OriginalBytes(e, crypto));
            }
            catch (Exception ex) when (ex is CryptographicException or FormatException)
            {
                payload = $"(cannot decrypt with the configured keys: {ex.Message})";
            }
        }

        return new DeadLetterSample(letter.Id, letter.Topic, e?.Stage ?? "unknown", reason, e?.SourceTopic, e?.Origin is null ? null : masking.MaskPlain(e.Origin), e?.FailedAt, e?.RetryCount ?? 0,
            masking.MaskErrors(e?.Errors ?? []), payload);
    }
}
