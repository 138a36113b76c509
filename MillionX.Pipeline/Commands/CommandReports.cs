using System.Text.Json.Serialization;

namespace MillionX.Pipeline.Commands;

/// <summary>What <c>dlq replay --json</c> prints: the replay, and the stages that carried the records on.</summary>
public sealed record ReplayReport(
    bool DryRun, long Read, long Selected, long AlreadyReplayed, long Replayed, IReadOnlyDictionary<string, long> ReplayedByTopic,
    long Left, IReadOnlyDictionary<string, long> LeftByReason, long PublishFailures, long LedgerFailures,
    IReadOnlyList<string> DownstreamStages, bool DownstreamCaughtUp,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, long>? WarehouseRows)
{
    public static ReplayReport From(ReplaySummary s, IReadOnlyList<string> stages, bool caughtUp, IReadOnlyDictionary<string, long>? rows) =>
        new(s.DryRun, s.Read, s.Selected, s.AlreadyReplayed, s.Replayed, s.ReplayedByTopic, s.Left, s.LeftByReason, s.PublishFailures, s.LedgerFailures,
            stages, caughtUp, rows);
}

/// <summary>What <c>topics create|verify --json</c> prints.</summary>
public sealed record TopicsReport(
    bool Ok, bool RetentionChecked, IReadOnlyList<string> Created, string? CreateError, string? RetentionError, IReadOnlyList<TopicReport> Topics);

/// <summary>One catalog topic as the broker has it (<c>partitions</c>, <c>retention_ms</c>) against the catalog (<c>want_*</c>).</summary>
public sealed record TopicReport(string Topic, string Status, int WantPartitions, int? Partitions, long? WantRetentionMs, string? RetentionMs, string Message)
{
    public static TopicReport From(TopicCheck c, string status) =>
        new(c.Topic, status, c.WantPartitions, c.HavePartitions, c.WantRetentionMs, c.HaveRetentionMs, c.Message);
}

/// <summary>The commands' JSON reports, serialised by source generation, snake_case like every other report.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(InspectReport))]
[JsonSerializable(typeof(ReplayReport))]
[JsonSerializable(typeof(TopicsReport))]
[JsonSerializable(typeof(Quality.QualityReport))]
internal sealed partial class CommandJson : JsonSerializerContext;
