using Microsoft.Extensions.Logging.Console;
using MillionX.Pipeline.Bench;

namespace MillionX.Pipeline.Commands;

/// <summary>
/// <c>bench [--quick] [--json out.json]</c>: measures broker passthrough, the privacy, embedding and warehouse stages
/// and latency at half the embedding capacity, all in this run on a broker of its own, and prints a table.
/// </summary>
public static class BenchCommand
{
    public static async Task<int> RunAsync(CommandLine cl, IEnumerable<KeyValuePair<string, string?>>? overrides = null, TextWriter? output = null, TextWriter? progress = null)
    {
        output ??= Console.Out;
        progress ??= Console.Error;
        var quick = cl.Flag("quick") is not null;
        var jsonPath = cl.File("json")?.FullName;
        var overrideList = overrides?.ToList() ?? [];
        var configuration = PipelineHostFactory.CreateBuilder(cl, overrideList).Configuration;

        var scale = configuration.GetValue("Bench:Scale", 1.0);
        if (!(scale > 0 && scale <= 10))
        {
            throw new ArgumentException("Bench:Scale must be greater than 0 and at most 10.");
        }

        var embedding = configuration.GetSection(EmbeddingOptions.Section).Get<EmbeddingOptions>() ?? new EmbeddingOptions();
        var limits = configuration.GetSection(ValidationLimits.Section).Get<ValidationLimits>() ?? new ValidationLimits();
        var catalog = configuration.GetSection("Kafka:Topics").GetChildren()
            .ToDictionary(t => t.Key, t => int.Parse(t["Partitions"] ?? "1", CultureInfo.InvariantCulture), StringComparer.Ordinal);

        ResolvedModel model;
        ResolvedModel? fp32Source;
        using (var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter(l => l >= LogLevel.Warning)
            .Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace)))
        using (var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) })
        {
            // The pipeline's own resolution: the bench measures the model the pipeline would run.
            model = EmbeddingRegistration.ResolveModel(embedding, http, loggers.CreateLogger("MillionX.Pipeline.Bench"));

            // embed_int8_vs_fp32: the fp32 model the int8 one was made from (from the same cache), in the same run.
            fp32Source = null;
            if (model.Precision == EmbeddingOptions.Int8Precision && model.SourceSha256 != model.ModelSha256)
            {
                var fp32 = EmbeddingRegistration.Resolved(embedding);
                fp32.Precision = EmbeddingOptions.Fp32Precision;
                fp32Source = await new ModelLoader(fp32, http).ResolveAsync();
            }
        }

        var baseOverrides = overrideList.ToDictionary(o => o.Key, o => o.Value, StringComparer.OrdinalIgnoreCase);
        var runner = new BenchRunner(BenchSizes.For(quick, scale), cl.ConfigArgs, baseOverrides, embedding, model, fp32Source, limits, catalog, progress);
        var report = await runner.RunAsync(quick, CancellationToken.None);

        await output.WriteLineAsync(report.FormatTable());
        if (jsonPath is not null)
        {
            await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, BenchJson.Default.BenchReport));
        }

        return report.Failures.Count == 0 ? 0 : 1;
    }
}
