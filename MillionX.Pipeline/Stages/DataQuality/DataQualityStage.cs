using MillionX.Pipeline.Quality;
using Prometheus;

namespace MillionX.Pipeline.Stages.DataQuality;

/// <summary>
/// Runs the data-quality checks every <see cref="DataQualityOptions.Interval"/> against the configured warehouse, plus
/// the schema pass rate of the sources in this process, and exports each verdict as a gauge for dashboards and alerts.
/// On Snowflake each run costs one statement per table (and keeps the warehouse from suspending if run often).
/// </summary>
public sealed class DataQualityStage(
    IQualityWarehouse warehouse, SourcePassRates sources, IOptions<DataQualityOptions> options, RecordValidator validator,
    StageRegistry registry, TimeProvider clock, ILogger<DataQualityStage> logger) : BackgroundService
{
    public const string StageName = "data-quality";

    private static readonly Gauge Passed = Metrics.CreateGauge(
        "millionx_quality_check_passed", "1 when the data-quality check passed (or had nothing to judge) at its last run, 0 when it failed or could not run.", "check", "table");

    private static readonly Gauge Value = Metrics.CreateGauge(
        "millionx_quality_check_value", "The value the data-quality check measured at its last run (ratio 0..1, seconds or rows, see the quality command).", "check", "table");

    private static readonly Gauge LastRun = Metrics.CreateGauge(
        "millionx_quality_last_run_timestamp_seconds", "When the data-quality stage last finished a run (Unix seconds).");

    private readonly QualityRunner _runner = new(options.Value, validator.Limits, clock, logger);
    private volatile QualityReport? _last;
    private long _runs;

    /// <summary>The last run's report, for the status page and tests.</summary>
    public QualityReport? LastReport => _last;

    public long Runs => Interlocked.Read(ref _runs);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        registry.Get(StageName).Running();
        var o = options.Value;
        try
        {
            await Task.Delay(o.StartDelay, clock, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                var report = await _runner.RunAsync(warehouse, sources.Measure(o), stoppingToken);
                Export(report);
                _last = report;
                Interlocked.Increment(ref _runs);
                var failing = report.Checks.Where(c => !c.Passed).Select(c => $"{c.Table}/{c.Check}").ToList();
                if (failing.Count == 0)
                {
                    logger.LogInformation("Data quality: {Passed} checks passed, {Skipped} skipped", report.Passed, report.Skipped);
                }
                else
                {
                    logger.LogWarning("Data quality: {Failing} of {Total} checks failing: {Checks}", failing.Count, report.Checks.Count, string.Join(", ", failing));
                }

                await Task.Delay(o.Interval, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // The warehouse connection belongs to the container, which closes it when the host is disposed.
            registry.Get(StageName).Stopped();
        }
    }

    private void Export(QualityReport report)
    {
        foreach (var c in report.Checks)
        {
            Passed.WithLabels(c.Check, c.Table).Set(c.Passed ? 1 : 0);
            if (c.Value is { } v)
            {
                Value.WithLabels(c.Check, c.Table).Set(v);
            }
            else
            {
                // Nothing measured this time: no stale value is left behind.
                Value.RemoveLabelled(c.Check, c.Table);
            }
        }

        LastRun.Set(report.CheckedAt.ToUnixTimeSeconds());
    }
}
