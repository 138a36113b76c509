using System.Collections.Concurrent;
using System.Diagnostics;

namespace MillionX.Pipeline.Commands;

/// <summary>What an ingest run did; written as JSON by <c>--summary-json</c>.</summary>
public sealed record IngestSummary
{
    public required string Source { get; init; }
    public required string File { get; init; }
    public long Read { get; init; }
    public long Accepted { get; init; }
    public long DeadLettered { get; init; }
    public required IReadOnlyDictionary<string, long> DeadLetterReasons { get; init; }
    public long DeliveryFailures { get; init; }
    public long BlankLines { get; init; }
    public required IReadOnlyList<string> DownstreamStages { get; init; }
    public bool DownstreamCaughtUp { get; init; }

    /// <summary>Rows the warehouse sink wrote per table during this run (absent when the sink did not run).</summary>
    public IReadOnlyDictionary<string, long>? WarehouseRows { get; init; }

    /// <summary>Vectors written into the vector store during this run, by embedding-service or vector-sink (absent when neither wrote the store).</summary>
    public long? Vectors { get; init; }
    public long DurationMs { get; init; }
}

/// <summary>
/// <c>ingest --source S --file F</c>: sends a JSON-lines file through the same validation as live sources, runs the
/// enabled downstream stages until they have caught up, prints a summary and exits.
/// </summary>
public static class IngestCommand
{
    public const string StageName = "ingest";

    public static async Task<int> RunAsync(CommandLine cl, IEnumerable<KeyValuePair<string, string?>>? overrides = null, TextWriter? output = null)
    {
        output ??= Console.Out;
        var kind = cl.Value<SourceKind>("source") ?? throw new ArgumentException($"ingest needs --source ({string.Join("|", SourceKinds.Names)}).");
        var path = (cl.File("file") ?? throw new ArgumentException("ingest needs --file <records.jsonl>.")).FullName;
        if (!File.Exists(path))
        {
            throw new ArgumentException($"File '{path}' does not exist.");
        }

        var builder = PipelineHostFactory.CreateBuilder(cl, overrides);
        builder.AddPipelineObservability(logsToStdErr: true, http: false);
        builder.AddPipelineCore();
        builder.AddPipelineStages(d => d.Kind != StageKind.Source);
        builder.Services.AddSingleton<CatchUp>();
        using var host = builder.Build();
        await host.StartAsync();
        var summary = await IngestAsync(host.Services, kind, path, builder.Configuration.GetValue("Ingest:CatchUpTimeout", TimeSpan.FromMinutes(5)));
        await host.StopAsync();

        var json = JsonSerializer.Serialize(summary, ContractJson.Default.IngestSummary);
        if (cl.File("summary-json") is { } summaryFile)
        {
            await File.WriteAllTextAsync(summaryFile.FullName, json);
        }

        await output.WriteLineAsync(Format(summary));
        var ok = summary.DeliveryFailures == 0 && summary.DownstreamCaughtUp;
        return ok ? 0 : 1;
    }

    public static async Task<IngestSummary> IngestAsync(IServiceProvider services, SourceKind kind, string path, TimeSpan catchUpTimeout)
    {
        var publisher = services.GetRequiredService<SourcePublisher>();
        var producer = services.GetRequiredService<PipelineProducer>();
        var stopwatch = Stopwatch.StartNew();
        var name = Path.GetFileName(path);
        long read = 0, accepted = 0, dead = 0, failures = 0, blank = 0, outstanding = 0;
        var reasons = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var lineNo = 0;
        foreach (var line in ReadLines(path))
        {
            lineNo++;
            if (IsBlank(line))
            {
                blank++;
                continue;
            }

            read++;
            Interlocked.Increment(ref outstanding);
            publisher.Publish(StageName, kind, line, $"file:{name}:{lineNo}", outcome =>
            {
                if (!outcome.Delivered)
                {
                    Interlocked.Increment(ref failures);
                }
                else if (outcome.Accepted)
                {
                    Interlocked.Increment(ref accepted);
                }
                else
                {
                    Interlocked.Increment(ref dead);
                    reasons.AddOrUpdate(outcome.Reason!, 1, (_, c) => c + 1);
                }

                Interlocked.Decrement(ref outstanding);
            });
        }

        producer.Flush(TimeSpan.FromMinutes(2));
        while (Interlocked.Read(ref outstanding) > 0 && stopwatch.Elapsed < TimeSpan.FromMinutes(3))
        {
            await Task.Delay(10);
        }

        failures += Interlocked.Read(ref outstanding);
        var stages = services.GetServices<IHostedService>().OfType<ConsumerStage>().ToList();
        var caughtUp = await services.GetRequiredService<CatchUp>().WaitAsync(stages, catchUpTimeout, CancellationToken.None);
        return new IngestSummary
        {
            Source = kind.Name(),
            File = path,
            Read = read,
            Accepted = accepted,
            DeadLettered = dead,
            DeadLetterReasons = new SortedDictionary<string, long>(reasons, StringComparer.Ordinal),
            DeliveryFailures = failures,
            BlankLines = blank,
            DownstreamStages = stages.Select(s => s.Name).ToList(),
            DownstreamCaughtUp = caughtUp,
            WarehouseRows = stages.OfType<Stages.WarehouseSink.WarehouseSinkStage>().FirstOrDefault()?.RowsByTable,
            Vectors = stages.OfType<Stages.VectorSink.VectorSinkStage>().FirstOrDefault()?.VectorsWrittenCount
                ?? stages.OfType<Stages.EmbeddingService.EmbeddingServiceStage>().FirstOrDefault(e => e.WritesToStore)?.VectorsWrittenCount,
            DurationMs = stopwatch.ElapsedMilliseconds,
        };
    }

    /// <summary>Splits on LF (dropping a trailing CR) without decoding, so invalid UTF-8 reaches validation intact.</summary>
    internal static IEnumerable<byte[]> ReadLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var line = new MemoryStream();
        var buffer = new byte[1 << 16];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var start = 0;
            for (var i = 0; i < n; i++)
            {
                if (buffer[i] == (byte)'\n')
                {
                    line.Write(buffer, start, i - start);
                    yield return TrimCr(line);
                    line.SetLength(0);
                    start = i + 1;
                }
            }

            line.Write(buffer, start, n - start);
        }

        if (line.Length > 0)
        {
            yield return TrimCr(line);
        }
    }

    private static byte[] TrimCr(MemoryStream line)
    {
        var bytes = line.ToArray();
        return bytes.Length > 0 && bytes[^1] == (byte)'\r' ? bytes[..^1] : bytes;
    }

    private static bool IsBlank(byte[] line) => line.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r');

    public static string Format(IngestSummary s)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"ingest {s.Source} from {s.File}");
        sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  read            {s.Read}");
        sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  accepted        {s.Accepted}");
        sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  dead_lettered   {s.DeadLettered}");
        foreach (var (reason, count) in s.DeadLetterReasons)
        {
            sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"    {reason,-22}{count}");
        }

        if (s.DeliveryFailures > 0)
        {
            sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  NOT DELIVERED   {s.DeliveryFailures}");
        }

        sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  downstream      {(s.DownstreamStages.Count == 0 ? "(none enabled)" : string.Join(", ", s.DownstreamStages))}{(s.DownstreamCaughtUp ? "" : " DID NOT CATCH UP")}");
        foreach (var (table, rows) in s.WarehouseRows ?? new Dictionary<string, long>())
        {
            sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  warehouse {table,-14}{rows} rows");
        }

        if (s.Vectors is { } vectors)
        {
            sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  vectors         {vectors}");
        }

        sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"  duration        {s.DurationMs} ms");
        return sb.ToString();
    }
}
