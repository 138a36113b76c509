namespace MillionX.Pipeline.Stages.DeadLetterMonitor;

/// <summary><c>Stages:dlq-monitor</c>: archiving dead letters in the warehouse's DEAD_LETTERS table.</summary>
public sealed class DeadLetterMonitorOptions
{
    public const string Section = "Stages:dlq-monitor";

    /// <summary>
    /// <c>auto</c>: archive when this process also runs warehouse-sink (the DuckDB file is this process's) or the
    /// warehouse is Snowflake; <c>on</c>; <c>off</c>. A DuckDB file is opened by one process only, so a dlq-monitor
    /// without warehouse-sink beside it does not open the sink's file unless told to.
    /// </summary>
    [RegularExpression("^(auto|on|off)$", ErrorMessage = "Stages:dlq-monitor:Archive must be auto, on or off.")]
    public string Archive { get; set; } = "auto";

    [Range(1, 10_000)]
    public int MaxBatchRecords { get; set; } = 500;

    public TimeSpan MaxBatchAge { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);
}
