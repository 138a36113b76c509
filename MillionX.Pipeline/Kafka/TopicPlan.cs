namespace MillionX.Pipeline.Kafka;

/// <summary>What provisioning will do with one catalog topic.</summary>
public sealed record TopicAction(string Topic, TopicActionKind Kind, string Detail);

public enum TopicActionKind
{
    Create,
    Ok,
    Mismatch,
}

/// <summary>What the broker has for one topic; <see cref="RetentionMs"/> is null when it could not be read.</summary>
public sealed record ObservedTopic(int Partitions, string? RetentionMs);

/// <summary>The verdict on one catalog topic: <c>ok</c> or the problem, with a message that names what to do.</summary>
public sealed record TopicCheck(
    string Topic, int WantPartitions, int? HavePartitions, long? WantRetentionMs, string? HaveRetentionMs, TopicCheckStatus Status, string Message)
{
    public bool IsOk => Status == TopicCheckStatus.Ok;
}

public enum TopicCheckStatus
{
    Ok,
    Missing,
    PartitionsDiffer,
    RetentionDiffers,
    RetentionUnverified,
}

/// <summary>Pure: compares the catalog with what the broker has. Never plans a delete or a shrink.</summary>
public static class TopicPlan
{
    public static IReadOnlyList<TopicAction> Compute(IReadOnlyDictionary<string, TopicSpec> catalog, IReadOnlyDictionary<string, int> existingPartitions)
    {
        var actions = new List<TopicAction>();
        foreach (var (topic, spec) in catalog.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (!existingPartitions.TryGetValue(topic, out var have))
            {
                actions.Add(new(topic, TopicActionKind.Create, $"{spec.Partitions} partitions, retention {(spec.RetentionDays is { } d ? $"{d} d" : "broker default")}"));
            }
            else if (have != spec.Partitions)
            {
                actions.Add(new(topic, TopicActionKind.Mismatch,
                    $"has {have} partitions, the catalog says {spec.Partitions}; left as it is (changing partition counts moves keys between partitions)"));
            }
            else
            {
                actions.Add(new(topic, TopicActionKind.Ok, $"{have} partitions"));
            }
        }

        return actions;
    }

    /// <summary>
    /// Verifies every catalog topic against the broker: it exists, has the catalog's partition count, and (when
    /// <paramref name="checkRetention"/>) its <c>retention.ms</c> equals the catalog's. A topic whose retention the
    /// catalog leaves to the broker's default is not checked for retention.
    /// </summary>
    public static IReadOnlyList<TopicCheck> Verify(IReadOnlyDictionary<string, TopicSpec> catalog, IReadOnlyDictionary<string, ObservedTopic> observed, bool checkRetention)
    {
        var checks = new List<TopicCheck>();
        foreach (var (topic, spec) in catalog.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var want = spec.RetentionMs;
            var wantText = want?.ToString(CultureInfo.InvariantCulture);
            if (!observed.TryGetValue(topic, out var have))
            {
                checks.Add(new(topic, spec.Partitions, null, want, null, TopicCheckStatus.Missing,
                    $"topic {topic} does not exist (catalog: {spec.Partitions} partitions); `topics create` creates it"));
            }
            else if (have.Partitions != spec.Partitions)
            {
                checks.Add(new(topic, spec.Partitions, have.Partitions, want, have.RetentionMs, TopicCheckStatus.PartitionsDiffer,
                    $"topic {topic} has {have.Partitions} partitions, the catalog says {spec.Partitions}; never changed by this tool "
                    + "(fewer cannot be made, more move keys between partitions): fix the catalog or migrate the topic by hand"));
            }
            else if (checkRetention && want is not null && have.RetentionMs is null)
            {
                checks.Add(new(topic, spec.Partitions, have.Partitions, want, null, TopicCheckStatus.RetentionUnverified,
                    $"topic {topic}: retention.ms could not be read from the broker (catalog: {wantText})"));
            }
            else if (checkRetention && want is not null && have.RetentionMs != wantText)
            {
                checks.Add(new(topic, spec.Partitions, have.Partitions, want, have.RetentionMs, TopicCheckStatus.RetentionDiffers,
                    $"topic {topic} has retention.ms={have.RetentionMs}, the catalog says {wantText}; left as it is (change it with kafka-configs if the catalog is right)"));
            }
            else
            {
                checks.Add(new(topic, spec.Partitions, have.Partitions, want, have.RetentionMs, TopicCheckStatus.Ok, "ok"));
            }
        }

        return checks;
    }
}
