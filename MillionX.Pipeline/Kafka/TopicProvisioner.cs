using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace MillionX.Pipeline.Kafka;

/// <summary>Creates missing catalog topics on a real broker, checks existing ones, and never deletes anything.</summary>
public sealed class TopicProvisioner(KafkaClientFactory factory, IOptions<KafkaOptions> options, ILogger<TopicProvisioner> logger)
{
    public async Task<IReadOnlyList<TopicAction>> ProvisionAsync(CancellationToken ct)
    {
        var o = options.Value;
        using var admin = factory.Admin();
        var metadata = admin.GetMetadata(o.Provisioning.Timeout);
        var existing = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError)
            .ToDictionary(t => t.Topic, t => t.Partitions.Count, StringComparer.Ordinal);
        var plan = TopicPlan.Compute(o.Topics, existing);

        await CreateAsync(admin, plan.Where(a => a.Kind == TopicActionKind.Create).Select(a => a.Topic).ToList());

        foreach (var a in plan)
        {
            if (a.Kind == TopicActionKind.Mismatch)
            {
                logger.LogWarning("Topic {Topic} {Detail}", a.Topic, a.Detail);
            }
            else
            {
                logger.LogInformation("Topic {Topic}: {Action} ({Detail})", a.Topic, a.Kind == TopicActionKind.Create ? "created" : "exists", a.Detail);
            }
        }

        _ = Task.Run(() => VerifyRetentionAsync(admin.Name, ct), ct);
        return plan;
    }

    /// <summary>
    /// What the broker has for every catalog topic: partitions from metadata and, when <paramref name="withRetention"/>,
    /// <c>retention.ms</c> from DescribeConfigs (left null, with the error returned, when the broker does not answer).
    /// </summary>
    public async Task<(IReadOnlyDictionary<string, ObservedTopic> Topics, string? RetentionError)> ObserveAsync(bool withRetention)
    {
        var o = options.Value;
        using var admin = factory.Admin();
        var metadata = admin.GetMetadata(o.Provisioning.Timeout);
        var partitions = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError)
            .ToDictionary(t => t.Topic, t => t.Partitions.Count, StringComparer.Ordinal);
        var retention = new Dictionary<string, string>(StringComparer.Ordinal);
        string? retentionError = null;
        var describe = o.Topics.Keys.Where(partitions.ContainsKey).Select(t => new ConfigResource { Type = ResourceType.Topic, Name = t }).ToList();
        if (withRetention && describe.Count > 0)
        {
            try
            {
                var results = await admin.DescribeConfigsAsync(describe, new DescribeConfigsOptions { RequestTimeout = o.Provisioning.Timeout });
                foreach (var r in results)
                {
                    if (r.Entries.TryGetValue("retention.ms", out var entry))
                    {
                        retention[r.ConfigResource.Name] = entry.Value;
                    }
                }
            }
            catch (KafkaException ex)
            {
                retentionError = ex.Message;
            }
        }

        var observed = partitions.ToDictionary(
            p => p.Key, p => new ObservedTopic(p.Value, retention.TryGetValue(p.Key, out var ms) ? ms : null), StringComparer.Ordinal);
        return (observed, retentionError);
    }

    /// <summary>Creates the catalog topics the broker lacks; returns their names. Never deletes, shrinks or alters a topic.</summary>
    public async Task<IReadOnlyList<string>> CreateMissingAsync()
    {
        var o = options.Value;
        using var admin = factory.Admin();
        var existing = admin.GetMetadata(o.Provisioning.Timeout).Topics.Where(t => t.Error.Code == ErrorCode.NoError)
            .ToDictionary(t => t.Topic, t => t.Partitions.Count, StringComparer.Ordinal);
        var missing = TopicPlan.Compute(o.Topics, existing).Where(a => a.Kind == TopicActionKind.Create).Select(a => a.Topic).ToList();
        await CreateAsync(admin, missing);
        return missing;
    }

    private async Task CreateAsync(IAdminClient admin, IReadOnlyList<string> toCreate)
    {
        if (toCreate.Count == 0)
        {
            return;
        }

        var o = options.Value;
        var specs = toCreate.Select(t =>
        {
            var spec = o.Topics[t];
            var configs = new Dictionary<string, string>();
            if (spec.RetentionMs is { } ms)
            {
                configs["retention.ms"] = ms.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (spec.CleanupPolicy is { Length: > 0 } policy)
            {
                configs["cleanup.policy"] = policy;
            }

            return new TopicSpecification { Name = t, NumPartitions = spec.Partitions, ReplicationFactor = spec.ReplicationFactor, Configs = configs };
        }).ToList();
        try
        {
            await admin.CreateTopicsAsync(specs, new CreateTopicsOptions { RequestTimeout = o.Provisioning.Timeout, OperationTimeout = o.Provisioning.Timeout });
        }
        catch (CreateTopicsException ex)
        {
            foreach (var r in ex.Results.Where(r => r.Error.Code is not (ErrorCode.NoError or ErrorCode.TopicAlreadyExists)))
            {
                throw new InvalidOperationException($"Could not create topic '{r.Topic}': {r.Error.Reason}", ex);
            }
        }
        catch (KafkaException ex)
        {
            throw new InvalidOperationException($"Could not create topics {string.Join(", ", toCreate)}: {ex.Message}", ex);
        }
    }

    /// <summary>Reports retention that differs from the catalog; runs in the background so a slow broker does not delay start.</summary>
    private async Task VerifyRetentionAsync(string clientName, CancellationToken ct)
    {
        var o = options.Value;
        try
        {
            using var admin = factory.Admin();
            var resources = o.Topics.Where(t => t.Value.RetentionMs is not null)
                .Select(t => new ConfigResource { Type = ResourceType.Topic, Name = t.Key }).ToList();
            var results = await admin.DescribeConfigsAsync(resources, new DescribeConfigsOptions { RequestTimeout = o.Provisioning.Timeout });
            foreach (var r in results)
            {
                var want = o.Topics[r.ConfigResource.Name].RetentionMs;
                if (r.Entries.TryGetValue("retention.ms", out var entry) && entry.Value != want?.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    logger.LogWarning("Topic {Topic} has retention.ms={Have}, the catalog says {Want}; left as it is", r.ConfigResource.Name, entry.Value, want);
                }
            }
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning("Could not verify topic retention ({Client}): {Error}", clientName, ex.Message);
        }
    }
}
