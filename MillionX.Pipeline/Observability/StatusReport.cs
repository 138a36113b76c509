using System.Text.Json.Serialization;
using MillionX.Pipeline.Stages.DeadLetterMonitor;

namespace MillionX.Pipeline.Observability;

public sealed record StatusReport(
    DateTimeOffset GeneratedAt,
    string Health,
    IReadOnlyList<StageRow> Stages,
    long TotalLag,
    DeadLetterSummary DeadLetters,
    IReadOnlyList<RecentLogEvent> RecentErrors,
    SearchAvailability Search);

public sealed record StageRow(string Name, string State, string Reason, string? Error, long RecordsIn, long RecordsOut, long DeadLettered, long Lag, double InPerSecond);

/// <param name="Monitored">Whether <c>dlq-monitor</c> runs in this process (otherwise only this process's own dead letters are known).</param>
/// <param name="Observed">Dead letters seen on the dead-letter topics, by reason, with recent examples.</param>
/// <param name="Written">Dead letters this process's stages wrote, by stage and reason.</param>
public sealed record DeadLetterSummary(bool Monitored, long ObservedTotal, IReadOnlyList<DeadLetterReasonRow> Observed, IReadOnlyList<WrittenDeadLetters> Written);

public sealed record DeadLetterReasonRow(string Reason, long Count, IReadOnlyList<string> Topics, IReadOnlyList<string> Stages, IReadOnlyList<DeadLetterExample> Examples);

public sealed record WrittenDeadLetters(string Stage, string Reason, long Count);

/// <summary>An envelope as the page may show it: context fields masked, the payload only when it is plain text, masked.</summary>
public sealed record DeadLetterExample(
    DateTimeOffset FailedAt,
    string Stage,
    string SourceTopic,
    int? SourcePartition,
    long? SourceOffset,
    string? Key,
    string? Origin,
    int RetryCount,
    IReadOnlyList<ExampleError> Errors,
    string PayloadEncoding,
    int PayloadBytes,
    bool PayloadTruncated,
    string? PayloadPreview);

public sealed record ExampleError(string Path, string Code, string Message);

public sealed record SearchAvailability(bool Available, string? Store, string? Reason);

public sealed record SearchResponse(bool Available, string Query, string? Store, string? Error, IReadOnlyList<VectorStore.SearchHit> Hits);

/// <summary>
/// Builds the status page's snapshot from the host's live state. Everything shown from a record goes through
/// <see cref="DeadLetterMasking"/>, the masking <c>dlq inspect</c> uses too.
/// </summary>
public sealed class StatusReporter(
    StageRegistry stages,
    PipelineMetrics metrics,
    RecentErrors errors,
    DeadLetterMasking masking,
    TimeProvider clock,
    DeadLetterLedger? ledger = null,
    SearchAvailability? search = null)
{
    public const int PreviewChars = 300;
    private readonly Dictionary<string, (long At, long In, double Rate)> _rates = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public StatusReport Build()
    {
        var now = clock.GetTimestamp();
        var counters = metrics.Stages.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var rows = new List<StageRow>();
        foreach (var s in stages.All)
        {
            counters.TryGetValue(s.Name, out var c);
            var inNow = c?.In ?? 0;
            rows.Add(new StageRow(s.Name, s.State.ToString().ToLowerInvariant(), s.Reason, s.Error, inNow, c?.Out ?? 0, c?.DeadLettered ?? 0, c?.Lag ?? 0, Rate(s.Name, now, inNow)));
        }

        var written = metrics.Stages
            .SelectMany(c => c.DeadLetterReasons.Select(r => new WrittenDeadLetters(c.Name, r.Key, r.Value)))
            .OrderByDescending(w => w.Count).ThenBy(w => w.Stage, StringComparer.Ordinal).ToList();
        var summary = new DeadLetterSummary(ledger is not null, ledger?.Total ?? 0, ledger is null ? [] : Observed(ledger), written);
        return new StatusReport(
            clock.GetUtcNow(),
            rows.All(r => r.State != "failed") ? "ok" : "failed",
            rows,
            rows.Sum(r => r.Lag),
            summary,
            // Log lines are written without personal data; masking them again costs little and guards against a slip.
            errors.Snapshot().Select(e => e with { Message = masking.MaskPlain(e.Message), Exception = e.Exception is null ? null : masking.MaskPlain(e.Exception) }).ToList(),
            search ?? new SearchAvailability(false, null, "no vector store in this process"));
    }

    /// <summary>Records per second since the previous snapshot at least a second ago.</summary>
    private double Rate(string stage, long now, long inNow)
    {
        lock (_lock)
        {
            if (!_rates.TryGetValue(stage, out var last))
            {
                _rates[stage] = (now, inNow, 0);
                return 0;
            }

            var seconds = clock.GetElapsedTime(last.At, now).TotalSeconds;
            if (seconds < 1)
            {
                return last.Rate;
            }

            var rate = Math.Round((inNow - last.In) / seconds, 1);
            _rates[stage] = (now, inNow, rate);
            return rate;
        }
    }

    private List<DeadLetterReasonRow> Observed(DeadLetterLedger ledger) =>
        ledger.Counts
            .GroupBy(kv => kv.Key.Reason, StringComparer.Ordinal)
            .Select(g => new DeadLetterReasonRow(
                g.Key,
                g.Sum(kv => kv.Value),
                g.Select(kv => kv.Key.Topic).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
                g.Select(kv => kv.Key.Stage).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
                ledger.Examples(g.Key).Select(Mask).Reverse().ToList()))
            .OrderByDescending(r => r.Count).ThenBy(r => r.Reason, StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// Envelope fields are masked (a key or an error message may quote a phone or an e-mail); the payload is shown only
    /// when it travelled as plain text (weather), masked as <c>dlq inspect</c> masks it and cut short; encrypted or binary
    /// payloads never.
    /// </summary>
    public DeadLetterExample Mask(DeadLetterEnvelope e) => new(
        e.FailedAt,
        e.Stage,
        e.SourceTopic,
        e.SourcePartition,
        e.SourceOffset,
        e.Key is null ? null : masking.MaskPlain(e.Key),
        e.Origin is null ? null : masking.MaskPlain(e.Origin),
        e.RetryCount,
        masking.MaskErrors(e.Errors.Take(10)).Select(x => new ExampleError(x.Path, x.Code, x.Message)).ToList(),
        e.PayloadEncoding,
        e.PayloadBytes,
        e.PayloadTruncated,
        e.PayloadEncoding == "utf8" ? Preview(masking.Mask(System.Text.Encoding.UTF8.GetBytes(e.OriginalPayload))) : null);

    // Masked before it is cut, so a cut can never leave half a phone number unmasked.
    private static string Preview(string masked) => masked.Length <= PreviewChars ? masked : masked[..PreviewChars] + "…";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(SearchResponse))]
internal sealed partial class StatusJson : JsonSerializerContext;
