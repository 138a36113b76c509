using Microsoft.Extensions.Logging.Abstractions;
using MillionX.Pipeline.Quality;
using MillionX.Pipeline.Stages.DataQuality;

namespace MillionX.Pipeline.Commands;

/// <summary>
/// <c>quality [--json] [--metrics-url URL]</c>: runs the data-quality checks once against the configured warehouse
/// (the DuckDB file or Snowflake) and prints each check's verdict with its measured value and threshold. Exit 0 when
/// every check passed (or had nothing to judge), 1 on a breach or a check that could not run.
/// </summary>
public static class QualityCommand
{
    public static async Task<int> RunAsync(CommandLine cl, IEnumerable<KeyValuePair<string, string?>>? overrides = null, TextWriter? output = null)
    {
        output ??= Console.Out;
        var builder = PipelineHostFactory.CreateQuietBuilder(cl, overrides);
        Register(builder);
        using var host = builder.Build();
        var options = host.Services.GetRequiredService<IOptions<DataQualityOptions>>().Value;
        var warehouseOptions = host.Services.GetRequiredService<IOptions<WarehouseOptions>>().Value;
        var limits = host.Services.GetRequiredService<IOptions<ValidationLimits>>().Value;
        if (warehouseOptions.Writer == "duckdb" && !File.Exists(Path.GetFullPath(warehouseOptions.DuckDb.Path)))
        {
            throw new ArgumentException($"No warehouse at {Path.GetFullPath(warehouseOptions.DuckDb.Path)} yet (Warehouse:DuckDb:Path). Run the pipeline or an ingest first.");
        }

        var sources = cl.Flag("metrics-url") is { } url ? await ScrapeAsync(url, options) : [NotVisible(options)];
        await using var warehouse = DataQualityRegistration.CreateWarehouse(host.Services, warehouseOptions);
        var report = await new QualityRunner(options, limits, TimeProvider.System, NullLogger.Instance).RunAsync(warehouse, sources, CancellationToken.None);
        await output.WriteLineAsync(cl.Flag("json") is not null ? JsonSerializer.Serialize(report, CommandJson.Default.QualityReport) : QualityText.Render(report));
        return report.Ok ? 0 : 1;
    }

    /// <summary>What the command's host holds: the clock, the validation limits and the data-quality registrations.</summary>
    internal static void Register(IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddValidatedOptions<ValidationLimits>(ValidationLimits.Section);
        builder.AddDataQuality();
    }

    private static async Task<IReadOnlyList<QualityCheckResult>> ScrapeAsync(string url, DataQualityOptions options)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"--metrics-url must be an http(s) URL such as http://127.0.0.1:9464/metrics, not '{url}'.");
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            return MetricsScrape.PassRates(await http.GetStringAsync(uri), options);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return [new(QualityPlan.SchemaPassRate, "sources", QualityStatus.Error, null, options.MinSchemaPassRate, ">=", QualityPlan.Ratio, $"cannot read {uri}: {ex.Message}")];
        }
    }

    /// <summary>The warehouse holds only accepted records: without a running pipeline's counters the pass rate is not visible here.</summary>
    private static QualityCheckResult NotVisible(DataQualityOptions options) => new(
        QualityPlan.SchemaPassRate, "sources", QualityStatus.Skipped, null, options.MinSchemaPassRate, ">=", QualityPlan.Ratio,
        "the warehouse holds only accepted records; give --metrics-url of a running pipeline, or read the data-quality stage's gauges");
}
