namespace MillionX.Pipeline.Stages.VectorSink;

/// <summary><c>Stages:vector-sink</c>: batching of vector-store writes. A batch is written when full or old enough.</summary>
public sealed class VectorSinkOptions
{
    public const string Section = "Stages:vector-sink";

    [Range(1, 10_000)]
    public int MaxBatchRecords { get; set; } = 256;

    /// <summary>Short: this sits on the end-to-end latency path.</summary>
    public TimeSpan MaxBatchAge { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Backoff between attempts at a batch the store refused transiently (doubling, with jitter, capped).</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);
}
