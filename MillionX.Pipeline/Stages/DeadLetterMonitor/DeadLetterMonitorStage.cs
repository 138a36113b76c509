using System.Collections.Concurrent;
using System.Text.Json;
using Confluent.Kafka;
using MillionX.Pipeline.Contracts;
using MillionX.Pipeline.DeadLetters;
using MillionX.Pipeline.Kafka;
using Prometheus;

namespace MillionX.Pipeline.Stages.DeadLetterMonitor;

/// <summary>
/// Reads every dead-letter topic and counts dead letters by topic, failing stage and reason, whichever process
/// wrote them: the cluster-wide DLQ rate that dashboards and alerts use. Keeps the last few envelopes per reason.
/// </summary>
public sealed class DeadLetterMonitorStage(StageServices services, DeadLetterLedger ledger) : ConsumerStage(StageName, services)
{
    public const string StageName = "dlq-monitor";

    private static readonly Counter Observed = Metrics.CreateCounter(
        "millionx_dead_letters_observed_total", "Dead letters seen on the dead-letter topics, by topic, failing stage and reason.", "topic", "stage", "reason");

    public override IReadOnlyCollection<string> Topics => Kafka.Topics.DeadLetters;

    protected override void Handle(ConsumeResult<byte[]?, byte[]> record, RecordCompletion completion, CancellationToken ct)
    {
        DeadLetterEnvelope? envelope = null;
        try
        {
            envelope = JsonSerializer.Deserialize(record.Message.Value, ContractJson.Default.DeadLetterEnvelope);
        }
        catch (JsonException)
        {
        }

        if (envelope is null)
        {
            // A dead letter is never dead-lettered again; an unreadable one is counted and logged instead.
            Logger.LogWarning("Unreadable dead letter at {Topic}[{Partition}]@{Offset}", record.Topic, record.Partition.Value, record.Offset.Value);
            Observed.WithLabels(record.Topic, "unknown", "unreadable_envelope").Inc();
            ledger.Add(record.Topic, "unknown", "unreadable_envelope", null);
        }
        else
        {
            Observed.WithLabels(record.Topic, envelope.Stage, envelope.Reason).Inc();
            ledger.Add(record.Topic, envelope.Stage, envelope.Reason, envelope);
        }

        Counters.RecordOut(record.Topic);
        completion.Complete();
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
