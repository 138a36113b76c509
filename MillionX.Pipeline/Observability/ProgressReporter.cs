namespace MillionX.Pipeline.Observability;

/// <summary>Logs one line every few seconds: per stage, records in/out (with rates), dead letters and lag.</summary>
internal sealed class ProgressReporter(IOptions<ObservabilityOptions> options, PipelineMetrics metrics, ILogger<ProgressReporter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.ProgressInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        var last = new Dictionary<string, long>(StringComparer.Ordinal);
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var line = Format(metrics.Stages, last, interval);
                if (line.Length > 0)
                {
                    logger.LogInformation("progress {Line}", line);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal static string Format(IEnumerable<PipelineMetrics.StageCounters> stages, Dictionary<string, long> last, TimeSpan interval)
    {
        var sb = new StringBuilder();
        foreach (var s in stages)
        {
            var inNow = s.In;
            last.TryGetValue(s.Name, out var before);
            last[s.Name] = inNow;
            if (sb.Length > 0)
            {
                sb.Append(" | ");
            }

            sb.Append(CultureInfo.InvariantCulture, $"{s.Name} in={inNow} ({(inNow - before) / interval.TotalSeconds:0.#}/s) out={s.Out} dlq={s.DeadLettered} lag={s.Lag}");
        }

        return sb.ToString();
    }
}
