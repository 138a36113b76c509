using Confluent.Kafka;

namespace MillionX.Pipeline.Commands;

/// <summary>
/// <c>topics create|verify [--json] [--skip-retention]</c>: creates the catalog's missing topics on a running broker
/// (<c>create</c>) and checks every catalog topic's partitions and retention (both). Never deletes, shrinks or alters
/// a topic. Exit 0 when the broker matches the catalog, 1 with one message per problem otherwise.
/// </summary>
public static class TopicsCommand
{
    public static readonly IReadOnlyList<string> Actions = ["create", "verify"];

    public static async Task<int> RunAsync(CommandLine cl, IEnumerable<KeyValuePair<string, string?>>? overrides = null, TextWriter? output = null, TextWriter? errors = null)
    {
        output ??= Console.Out;
        errors ??= Console.Error;
        // The parser has checked the action: create or verify.
        var action = cl.Flag("action");

        var builder = PipelineHostFactory.CreateBuilder(cl, overrides);
        if (string.IsNullOrWhiteSpace(builder.Configuration[$"{KafkaOptions.Section}:BootstrapServers"]))
        {
            throw new ArgumentException(
                "topics works on a running broker: set Kafka:BootstrapServers (env Kafka__BootstrapServers). "
                + "The embedded broker is created with the catalog already and lives only inside its own process.");
        }

        builder.AddPipelineObservability(logsToStdErr: true, http: false, progress: false);
        builder.Services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Topics.Count > 0, "Kafka:Topics (the topic catalog) is empty.");
        builder.Services.AddSingleton<KafkaCluster>();
        builder.Services.AddSingleton<KafkaClientFactory>();
        builder.Services.AddSingleton<TopicProvisioner>();
        using var host = builder.Build();
        var options = host.Services.GetRequiredService<IOptions<KafkaOptions>>().Value;
        var provisioner = host.Services.GetRequiredService<TopicProvisioner>();

        IReadOnlyList<string> created = [];
        string? createError = null;
        if (action == "create")
        {
            try
            {
                created = await provisioner.CreateMissingAsync();
            }
            catch (InvalidOperationException ex)
            {
                createError = ex.Message;
            }
            catch (KafkaException ex)
            {
                await errors.WriteLineAsync($"error: cannot read the cluster metadata from {options.BootstrapServers}: {ex.Message}");
                return 1;
            }
        }

        var checkRetention = cl.Flag("skip-retention") is null;
        IReadOnlyDictionary<string, ObservedTopic> observed;
        string? retentionError;
        try
        {
            (observed, retentionError) = await provisioner.ObserveAsync(checkRetention);
        }
        catch (KafkaException ex)
        {
            await errors.WriteLineAsync($"error: cannot read the cluster metadata from {options.BootstrapServers}: {ex.Message}");
            return 1;
        }

        var checks = TopicPlan.Verify(options.Topics, observed, checkRetention);
        var ok = createError is null && checks.All(c => c.IsOk);

        if (cl.Flag("json") is not null)
        {
            await output.WriteLineAsync(Json(checks, created, createError, retentionError, checkRetention, ok));
        }
        else
        {
            await output.WriteLineAsync(Table(checks, created, checkRetention));
        }

        if (createError is not null)
        {
            await errors.WriteLineAsync("error: " + createError);
        }

        if (retentionError is not null)
        {
            await errors.WriteLineAsync($"error: the broker did not describe topic configs ({retentionError}); --skip-retention checks partitions only");
        }

        foreach (var c in checks.Where(c => !c.IsOk))
        {
            await errors.WriteLineAsync("problem: " + c.Message);
        }

        return ok ? 0 : 1;
    }

    public static string StatusName(TopicCheckStatus status) => status switch
    {
        TopicCheckStatus.Ok => "ok",
        TopicCheckStatus.Missing => "missing",
        TopicCheckStatus.PartitionsDiffer => "partitions_differ",
        TopicCheckStatus.RetentionDiffers => "retention_differs",
        _ => "retention_unverified",
    };

    private static string Table(IReadOnlyList<TopicCheck> checks, IReadOnlyList<string> created, bool checkRetention)
    {
        var rows = checks.Select(c => new[]
        {
            c.Topic,
            $"{(c.HavePartitions is { } p ? p.ToString(CultureInfo.InvariantCulture) : "-")}/{c.WantPartitions.ToString(CultureInfo.InvariantCulture)}",
            !checkRetention ? "not checked" : $"{c.HaveRetentionMs ?? "-"}/{c.WantRetentionMs?.ToString(CultureInfo.InvariantCulture) ?? "default"}",
            StatusName(c.Status) + (created.Contains(c.Topic) ? " (created)" : ""),
        }).ToList();
        var sb = new StringBuilder(TextTable.Render(["topic", "partitions have/want", "retention.ms have/want", "status"], rows));

        var problems = checks.Count(c => !c.IsOk);
        sb.Append(CultureInfo.InvariantCulture, $"{checks.Count} catalog topics, {created.Count} created, {problems} problem{(problems == 1 ? "" : "s")}");
        return sb.ToString();
    }

    private static string Json(IReadOnlyList<TopicCheck> checks, IReadOnlyList<string> created, string? createError, string? retentionError, bool checkRetention, bool ok) =>
        JsonSerializer.Serialize(
            new TopicsReport(ok, checkRetention, created, createError, retentionError, checks.Select(c => TopicReport.From(c, StatusName(c.Status))).ToList()),
            CommandJson.Default.TopicsReport);
}
