namespace MillionX.Pipeline.Sources;

/// <summary>The <c>Sources</c> section: what every external source shares (run mode, checkpoints, resilience).</summary>
public sealed class SourcesOptions
{
    public const string Section = "Sources";

    /// <summary>Run each enabled source once, then exit (<c>--once</c>, for Kubernetes CronJobs).</summary>
    public bool Once { get; set; }

    public CheckpointOptions Checkpoints { get; set; } = new();

    public ResilienceOptions Resilience { get; set; } = new();
}

public sealed class CheckpointOptions
{
    /// <summary><c>file</c> (a folder; one process) or <c>redis</c> (survives the pod; shared by replicas).</summary>
    [RegularExpression("^(file|redis)$", ErrorMessage = "Sources:Checkpoints:Store must be 'file' or 'redis'.")]
    public string Store { get; set; } = "file";

    public string Directory { get; set; } = "data/checkpoints";

    public string RedisConnection { get; set; } = "";

    public string RedisKeyPrefix { get; set; } = "millionx:checkpoint:";
}

/// <summary>Retry with exponential backoff and jitter, then a circuit breaker, around every external API call.</summary>
public sealed class ResilienceOptions
{
    [Range(0, 20)]
    public int MaxRetries { get; set; } = 4;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Failure ratio over <see cref="BreakerSamplingDuration"/> that opens the circuit.</summary>
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.5;

    [Range(2, 10_000)]
    public int BreakerMinimumThroughput { get; set; } = 10;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakerDuration { get; set; } = TimeSpan.FromSeconds(30);
}
