using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Options;

namespace MillionX.Pipeline.Kafka;

/// <summary>What provisioning will do with one catalog topic.</summary>
public sealed record TopicAction(string Topic, TopicActionKind Kind, string Detail);

public enum TopicActionKind
{
    Create,
    Ok,
    Mismatch,
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
}

/// <summary>Creates missing catalog topics on a real broker, checks existing ones, and never deletes anything.</summary>
public sealed class TopicProvisioner(KafkaClientFactory factory, IOptions<KafkaOptions> options, ILogger<TopicProvisioner> logger)
{
    public async Task<IReadOnlyList<TopicAction>> ProvisionAsync(CancellationToken ct)
    {
        var o = options.Value;
        using var admin = new AdminClientBuilder(factory.AdminConfig()).Build();
        var metadata = admin.GetMetadata(o.Provisioning.Timeout);
        var existing = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError)
            .ToDictionary(t => t.Topic, t => t.Partitions.Count, StringComparer.Ordinal);
        var plan = TopicPlan.Compute(o.Topics, existing);

        var toCreate = plan.Where(a => a.Kind == TopicActionKind.Create).Select(a => a.Topic).ToList();
        if (toCreate.Count > 0)
        {
            var specs = toCreate.Select(t =>
            {
                var spec = o.Topics[t];
                var configs = new Dictionary<string, string>();
                if (spec.RetentionMs is { } ms)
                {
                    configs["retention.ms"] = ms.ToString(System.Globalization.CultureInfo.InvariantCulture);
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
        }

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

    /// <summary>Reports retention that differs from the catalog; runs in the background so a slow broker does not delay start.</summary>
    private async Task VerifyRetentionAsync(string clientName, CancellationToken ct)
    {
        var o = options.Value;
        try
        {
            using var admin = new AdminClientBuilder(factory.AdminConfig()).Build();
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
