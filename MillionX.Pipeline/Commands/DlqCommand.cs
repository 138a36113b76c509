using System.Reflection;
using Confluent.Kafka;

namespace MillionX.Pipeline.Commands;

/// <summary>
/// <c>dlq inspect</c>: counts dead letters by topic, stage and reason and prints samples with personal data masked.
/// <c>dlq replay</c>: re-validates dead letters and re-publishes those that now pass to their source topic, once.
/// Both read the dead-letter topics from their start to their current end and stop; with no broker configured, they
/// read the DuckDB warehouse's DEAD_LETTERS archive instead (what dlq-monitor archived, e.g. during an embedded ingest).
/// </summary>
public static class DlqCommand
{
    public static readonly IReadOnlyList<string> Actions = ["inspect", "replay"];

    /// <summary>The reasons dead letters are filed under: every validation code, plus what the tools themselves report.</summary>
    public static readonly IReadOnlyList<string> Reasons = typeof(ReasonCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!)
        .Append("unknown").Append(DeadLetterInspector.UnreadableEnvelope).ToList();

    public static async Task<int> RunAsync(CommandLine cl, IEnumerable<KeyValuePair<string, string?>>? overrides = null, TextWriter? output = null, TextWriter? errors = null)
    {
        output ??= Console.Out;
        errors ??= Console.Error;
        // The parser has checked the action, --topic, --reason and --samples against their allowed values.
        var action = cl.Flag("action");
        IReadOnlyList<string> topics = cl.Flag("topic") is { } topic ? [topic] : Topics.DeadLetters;
        var reason = cl.Flag("reason");
        var samples = cl.Value<int>("samples") ?? 3;

        var builder = PipelineHostFactory.CreateBuilder(cl, overrides);

        // No broker configured: the dead letters are those archived in the warehouse (DEAD_LETTERS), e.g. by an
        // embedded `ingest` or `dotnet run`; a replay re-publishes them through this command's own embedded broker.
        var fromArchive = string.IsNullOrWhiteSpace(builder.Configuration[$"{KafkaOptions.Section}:BootstrapServers"]);
        if (fromArchive && string.Equals(builder.Configuration[$"{Warehouse.WarehouseOptions.Section}:Writer"], "snowflake", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                "dlq reads the dead-letter topics of a running broker (set Kafka:BootstrapServers), or, with no broker, the DuckDB warehouse's DEAD_LETTERS table; "
                + "query Snowflake's DEAD_LETTERS with SQL.");
        }

        if (fromArchive && cl.Flag("publish-only") is not null)
        {
            throw new ArgumentException("--publish-only needs a broker (Kafka:BootstrapServers): replaying from the archive runs the stages that land the records.");
        }

        var timeout = builder.Configuration.GetValue("Dlq:ReadTimeout", TimeSpan.FromSeconds(30));
        var replay = action == "replay";
        var dryRun = cl.Flag("dry-run") is not null;
        var runStages = replay && !dryRun && cl.Flag("publish-only") is null;
        builder.AddPipelineObservability(logsToStdErr: true, http: false, progress: runStages);
        builder.AddPipelineCore();
        if (fromArchive)
        {
            builder.AddDeadLetterArchive();
        }

        builder.Services.AddSingleton<TopicSnapshotReader>();
        builder.Services.AddSingleton<DeadLetterInspector>();
        builder.Services.AddSingleton<DeadLetterRevalidation>();
        builder.Services.AddSingleton<DeadLetterReplayer>();
        if (runStages)
        {
            builder.AddPipelineStages(d => d.Kind != StageKind.Source);
            builder.Services.AddSingleton<CatchUp>();
        }

        using var host = builder.Build();
        var json = cl.Flag("json") is not null;
        var started = false;
        try
        {
            var archive = fromArchive ? host.Services.GetRequiredService<IDeadLetterArchive>() : null;
            (IReadOnlyList<ArchivedDeadLetter> Letters, IReadOnlySet<string> Replayed)? archived = archive is null ? null : await archive.ReadAsync(topics, CancellationToken.None);
            if (!replay)
            {
                var letters = archived is { } a
                    ? a.Letters.Select(l => l.ToRecord())
                    : host.Services.GetRequiredService<TopicSnapshotReader>().ReadToEnd(topics, timeout).Select(DeadLetterReading.Parse);
                var report = host.Services.GetRequiredService<DeadLetterInspector>().Inspect(letters, reason, samples);
                await output.WriteLineAsync(json ? InspectJson(report) : InspectText(report));
                return 0;
            }

            if (runStages)
            {
                await host.StartAsync();
                started = true;
            }

            var replayer = host.Services.GetRequiredService<DeadLetterReplayer>();
            var summary = archived is { } from
                ? await replayer.ReplayAsync(from.Letters.Select(l => l.ToRecord()), from.Replayed, async delivered =>
                {
                    await archive!.MarkReplayedAsync(delivered.Select(d => d.Letter.ArchiveId!).ToList(), DateTimeOffset.UtcNow, CancellationToken.None);
                    return 0;
                }, reason, dryRun, timeout)
                : await replayer.ReplayAsync(topics, reason, dryRun, timeout);
            var stages = host.Services.GetServices<IHostedService>().OfType<ConsumerStage>().ToList();
            var caughtUp = true;
            if (runStages)
            {
                caughtUp = await host.Services.GetRequiredService<CatchUp>()
                    .WaitAsync(stages, builder.Configuration.GetValue("Ingest:CatchUpTimeout", TimeSpan.FromMinutes(5)), CancellationToken.None);
            }

            var rows = stages.OfType<Stages.WarehouseSink.WarehouseSinkStage>().FirstOrDefault()?.RowsByTable;
            await output.WriteLineAsync(json
                ? ReplayJson(summary, stages.Select(s => s.Name).ToList(), caughtUp, rows)
                : ReplayText(summary, stages.Select(s => s.Name).ToList(), caughtUp, rows));
            return summary.PublishFailures == 0 && summary.LedgerFailures == 0 && caughtUp ? 0 : 1;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or KafkaException or DuckDB.NET.Data.DuckDBException)
        {
            await errors.WriteLineAsync("error: " + ex.Message);
            return 1;
        }
        finally
        {
            if (started)
            {
                // Stages commit their offsets and leave their groups.
                await host.StopAsync();
            }
        }
    }

    private static string InspectText(InspectReport r)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"dead letters read {r.Read}, matching {r.Matched}");
        if (r.Counts.Count > 0)
        {
            var rows = r.Counts.Select(c => new[] { c.Topic, c.Stage, c.Reason, c.Count.ToString(CultureInfo.InvariantCulture) }).ToList();
            sb.Append(TextTable.Render(["topic", "stage", "reason", "count"], rows));
        }

        if (r.Samples.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("samples (personal data replaced by keyed hashes: USER_/PHONE_/EMAIL_/CONTACT_<hash>):");
            foreach (var s in r.Samples)
            {
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"- {s.Id}  reason {s.Reason}  stage {s.Stage}  source {s.SourceTopic ?? "-"}  origin {s.Origin ?? "-"}  failed {s.FailedAt?.ToString("O", CultureInfo.InvariantCulture) ?? "-"}  retry {s.RetryCount}");
                foreach (var e in s.Errors)
                {
                    sb.AppendLine(CultureInfo.InvariantCulture, $"    {e.Path} {e.Code}: {e.Message}");
                }

                sb.AppendLine("    payload: " + s.MaskedPayload);
            }
        }

        return sb.ToString().TrimEnd();
    }

    private static string InspectJson(InspectReport r) => JsonSerializer.Serialize(r, CommandJson.Default.InspectReport);

    private static string ReplayText(ReplaySummary s, IReadOnlyList<string> stages, bool caughtUp, IReadOnlyDictionary<string, long>? rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine(s.DryRun ? "dlq replay (dry run: nothing published)" : "dlq replay");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  read              {s.Read}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  selected          {s.Selected}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  already_replayed  {s.AlreadyReplayed}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  {(s.DryRun ? "would_replay    " : "replayed        ")}  {s.Replayed}");
        foreach (var (topic, count) in s.ReplayedByTopic)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"    {topic,-26}{count}");
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $"  left              {s.Left}");
        foreach (var (reason, count) in s.LeftByReason)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"    {reason,-26}{count}");
        }

        if (s.PublishFailures > 0)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  NOT DELIVERED     {s.PublishFailures}");
        }

        if (s.LedgerFailures > 0)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  NOT IN LEDGER     {s.LedgerFailures} (the next replay re-publishes them)");
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $"  downstream        {(stages.Count == 0 ? "(none run)" : string.Join(", ", stages))}{(caughtUp ? "" : " DID NOT CATCH UP")}");
        foreach (var (table, n) in rows ?? new Dictionary<string, long>())
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  warehouse {table,-16}{n} rows");
        }

        return sb.ToString().TrimEnd();
    }

    private static string ReplayJson(ReplaySummary s, IReadOnlyList<string> stages, bool caughtUp, IReadOnlyDictionary<string, long>? rows) =>
        JsonSerializer.Serialize(ReplayReport.From(s, stages, caughtUp, rows), CommandJson.Default.ReplayReport);
}
