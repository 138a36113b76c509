namespace MillionX.Pipeline.Stages.WarehouseSink;

/// <summary><c>Stages:warehouse-sink</c>: batching. A batch is written when it is full or old enough, whichever comes first.</summary>
public sealed class WarehouseSinkOptions
{
    public const string Section = "Stages:warehouse-sink";

    /// <summary>The plan's 10,000 records.</summary>
    [Range(1, 1_000_000)]
    public int MaxBatchRecords { get; set; } = 10_000;

    /// <summary>The plan's 60 s, for Snowflake (each flush costs warehouse time).</summary>
    public TimeSpan MaxBatchAge { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The embedded DuckDB warehouse costs nothing per flush, so it flushes sooner.</summary>
    public TimeSpan DuckDbMaxBatchAge { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Backoff between attempts at a batch that failed transiently (doubling, with jitter, capped).</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);
}
