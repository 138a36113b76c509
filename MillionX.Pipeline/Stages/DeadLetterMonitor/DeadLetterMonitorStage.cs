using System.Collections.Concurrent;
using Confluent.Kafka;
using Prometheus;

namespace MillionX.Pipeline.Stages.DeadLetterMonitor;

/// <summary>
/// Reads every dead-letter topic and counts dead letters by topic, failing stage and reason, whichever process
/// wrote them: the cluster-wide DLQ rate that dashboards and alerts use. Keeps the last few envelopes per reason, and
/// archives every letter, as the topic holds it, in the warehouse's DEAD_LETTERS table (in batches; offsets are
/// stored once the batch is written), so the letters outlive the broker and production has an audit table.
/// </summary>
public sealed class DeadLetterMonitorStage(
    StageServices services, DeadLetterLedger ledger, IOptions<DeadLetterMonitorOptions> options, IServiceProvider provider, TimeProvider clock)
    : BatchingConsumerStage<ArchivedDeadLetter>(StageName, services)
{
    public const string StageName = "dlq-monitor";

    private static readonly Counter Observed = Metrics.CreateCounter(
        "millionx_dead_letters_observed_total", "Dead letters seen on the dead-letter topics, by topic, failing stage and reason.", "topic", "stage", "reason");

    private static readonly Counter Archived = Metrics.CreateCounter(
        "millionx_dead_letters_archived_total", "Dead letters written to the DEAD_LETTERS table, by store.", "store");

    public override IReadOnlyCollection<string> Topics => Kafka.Topics.DeadLetters;

    private readonly LabelValues _stages = new();
    private readonly LabelValues _reasons = new();
    private readonly DeadLetterMonitorOptions _options = options.Value;
    private IDeadLetterArchive? _archive;
    private long _archived;

    /// <summary>Dead letters this process archived.</summary>
    public long ArchivedCount => Interlocked.Read(ref _archived);

    protected override BatchWindow Window => new(_options.MaxBatchRecords, _options.MaxBatchAge, _options.RetryInitialDelay, _options.RetryMaxDelay);

    protected override async Task PrepareAsync(CancellationToken ct)
    {
        _archive = DeadLetterArchiving.Resolve(provider, _options.Archive);
        if (_archive is null)
        {
            Logger.LogInformation("Dead letters are counted, not archived (Stages:dlq-monitor:Archive={Archive}, no warehouse-sink in this process)", _options.Archive);
            return;
        }

        await _archive.EnsureSchemaAsync(ct);
        Logger.LogInformation("Dead letters are archived in {Store} table DEAD_LETTERS", _archive.Name);
    }

    protected override ArchivedDeadLetter Map(ConsumeResult<byte[]?, byte[]> record)
    {
        var letter = DeadLetterReading.Parse(record);
        var archived = ArchivedDeadLetter.From(record, letter, clock.GetUtcNow());
        var envelope = letter.Envelope;
        if (envelope is null)
        {
            // A dead letter is never dead-lettered again; an unreadable one is counted, logged and archived as it is.
            Logger.LogWarning("Unreadable dead letter at {Topic}[{Partition}]@{Offset}", record.Topic, record.Partition.Value, record.Offset.Value);
            Observed.WithLabels(record.Topic, "unknown", "unreadable_envelope").Inc();
            ledger.Add(record.Topic, "unknown", "unreadable_envelope", null);
        }
        else
        {
            // Anyone who can write to a dead-letter topic chooses these two values: bounded before they become labels.
            Observed.WithLabels(record.Topic, _stages.Bound(envelope.Stage), _reasons.Bound(envelope.Reason)).Inc();
            ledger.Add(record.Topic, envelope.Stage, envelope.Reason, envelope);
        }

        return archived;
    }

    protected override async Task WriteBatchAsync(IReadOnlyList<ArchivedDeadLetter> items, CancellationToken ct)
    {
        if (_archive is not null)
        {
            await _archive.ArchiveAsync(items, ct);
            Interlocked.Add(ref _archived, items.Count);
            Archived.WithLabels(_archive.Name).Inc(items.Count);
        }

        foreach (var item in items)
        {
            Counters.RecordOut(item.Topic);
        }
    }
}

/// <summary>Counts of observed dead letters and recent examples, for the progress line and the status page.</summary>
public sealed class DeadLetterLedger
{
    private const int ExamplesPerReason = 5;

    // Reasons are whatever the envelopes say: a buggy or hostile writer could invent endless ones; examples stay bounded.
    internal const int MaxReasonsWithExamples = 200;
    private readonly ConcurrentDictionary<(string Topic, string Stage, string Reason), long> _counts = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<DeadLetterEnvelope>> _examples = new(StringComparer.Ordinal);

    public void Add(string topic, string stage, string reason, DeadLetterEnvelope? envelope)
    {
        _counts.AddOrUpdate((topic, stage, reason), 1, (_, c) => c + 1);
        if (envelope is not null && (_examples.ContainsKey(reason) || _examples.Count < MaxReasonsWithExamples))
        {
            var q = _examples.GetOrAdd(reason, _ => new());
            q.Enqueue(envelope);
            while (q.Count > ExamplesPerReason && q.TryDequeue(out _))
            {
            }
        }
    }

    public IReadOnlyDictionary<(string Topic, string Stage, string Reason), long> Counts => new Dictionary<(string, string, string), long>(_counts);

    public long Total => _counts.Values.Sum();

    public IReadOnlyList<DeadLetterEnvelope> Examples(string reason) => _examples.TryGetValue(reason, out var q) ? q.ToList() : [];
}

/// <summary>
/// Label values taken from records: a value is kept when it looks like a stage name or reason code (lower case, digits,
/// '-' or '_', at most 40 characters) and fewer than <see cref="Max"/> distinct values were kept so far; anything else
/// is counted as <c>other</c>, so hostile dead letters cannot grow the metric's series without end.
/// </summary>
public sealed partial class LabelValues
{
    public const int Max = 64;
    public const string Other = "other";
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _kept = new(StringComparer.Ordinal);

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9_-]{1,40}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Shape();

    public string Bound(string? value)
    {
        if (value is null || !Shape().IsMatch(value))
        {
            return Other;
        }

        if (_kept.ContainsKey(value))
        {
            return value;
        }

        lock (_kept)
        {
            if (_kept.Count >= Max)
            {
                return Other;
            }

            _kept.TryAdd(value, true);
            return value;
        }
    }
}
