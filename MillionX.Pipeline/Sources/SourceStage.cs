using Prometheus;

namespace MillionX.Pipeline.Sources;

/// <summary>What one run of a source did.</summary>
public sealed record SourceRun(long Read, long Accepted, long DeadLettered, long Failed)
{
    public static readonly SourceRun Empty = new(0, 0, 0, 0);

    public SourceRun Add(SourceRun other) => new(Read + other.Read, Accepted + other.Accepted, DeadLettered + other.DeadLettered, Failed + other.Failed);
}

/// <summary>What every external source stage needs from the host.</summary>
public sealed class SourceServices(
    SourcePublisher publisher,
    PipelineProducer producer,
    ICheckpointStore checkpoints,
    OnceCoordinator once,
    StageRegistry registry,
    IOptions<SourcesOptions> options,
    TimeProvider clock,
    ILoggerFactory loggers)
{
    public SourcePublisher Publisher => publisher;
    public PipelineProducer Producer => producer;
    public ICheckpointStore Checkpoints => checkpoints;
    public OnceCoordinator Once => once;
    public StageRegistry Registry => registry;
    public SourcesOptions Options => options.Value;
    public TimeProvider Clock => clock;
    public ILoggerFactory Loggers => loggers;
}

/// <summary>
/// Base of the external sources (scrapers, Shopify, Daraz, weather): runs <see cref="RunOnceAsync"/> on its own
/// interval, or once with <c>--once</c>. Records go through the shared validation gate; a source advances its
/// checkpoint only after <see cref="PublishAsync"/> reported every record acknowledged.
/// </summary>
public abstract class SourceStage : BackgroundService
{
    private static readonly Counter Runs = Metrics.CreateCounter(
        "millionx_source_runs_total", "Source runs, by source and outcome (ok, failed).", "source", "outcome");

    private static readonly Gauge LastSuccess = Metrics.CreateGauge(
        "millionx_source_last_success_timestamp_seconds", "When a source last completed a run (Unix seconds).", "source");

    protected SourceStage(string name, SourceServices services)
    {
        Name = name;
        Services = services;
        Logger = services.Loggers.CreateLogger(GetType());
    }

    public string Name { get; }

    protected SourceServices Services { get; }

    protected ILogger Logger { get; }

    /// <summary>Time between runs.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>Fetches what is new and publishes it; returns the counts.</summary>
    protected abstract Task<SourceRun> RunOnceAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var status = Services.Registry.Get(Name);
        status.Running();
        var once = Services.Options.Once;
        while (!stoppingToken.IsCancellationRequested)
        {
            Exception? error = null;
            try
            {
                var run = await RunOnceAsync(stoppingToken);
                Runs.WithLabels(Name, "ok").Inc();
                LastSuccess.WithLabels(Name).Set(Services.Clock.GetUtcNow().ToUnixTimeSeconds());
                Logger.LogInformation("Source {Source}: read {Read}, accepted {Accepted}, dead-lettered {Dead}, failed {Failed}",
                    Name, run.Read, run.Accepted, run.DeadLettered, run.Failed);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // A failed run keeps its checkpoint where it was; the next run retries from there.
                error = ex;
                Runs.WithLabels(Name, "failed").Inc();
                Logger.LogError(ex, "Source {Source} run failed; checkpoint unchanged, next run in {Interval}", Name, Interval);
            }

            if (once)
            {
                if (error is not null)
                {
                    // The process exit code comes from the registry: a failed single run fails the process.
                    status.Failed(error);
                }

                Services.Once.Done(Name, error is null);
                break;
            }

            try
            {
                await Task.Delay(Interval, Services.Clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        status.Stopped();
    }

    /// <summary>Validates and produces every record; completes when all are acknowledged (or failed).</summary>
    protected Task<SourceRun> PublishAsync(SourceKind kind, IEnumerable<(byte[] Raw, string Origin)> records, CancellationToken ct) =>
        PublishAsync(kind, records.Select(r => (r.Raw, r.Origin, (string?)null)), ct);

    /// <summary>As above, with a detail per record (e.g. scraped HTML) that a dead letter keeps encrypted.</summary>
    protected async Task<SourceRun> PublishAsync(SourceKind kind, IEnumerable<(byte[] Raw, string Origin, string? Detail)> records, CancellationToken ct)
    {
        var tasks = new List<Task<PublishOutcome>>();
        foreach (var (raw, origin, detail) in records)
        {
            var done = new TaskCompletionSource<PublishOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            Services.Publisher.Publish(Name, kind, raw, origin, done.SetResult, detail);
            tasks.Add(done.Task);
        }

        var outcomes = await Task.WhenAll(tasks).WaitAsync(ct);
        var failed = outcomes.LongCount(o => !o.Delivered);
        if (failed > 0)
        {
            throw new InvalidOperationException($"{failed} of {outcomes.Length} records from {Name} were not acknowledged by Kafka; the checkpoint is not advanced.");
        }

        return new SourceRun(outcomes.Length, outcomes.LongCount(o => o.Accepted), outcomes.LongCount(o => !o.Accepted), 0);
    }
}

/// <summary>With <c>--once</c>: stops the host when every source stage finished its single run.</summary>
public sealed class OnceCoordinator(IServiceProvider services, IHostApplicationLifetime lifetime, PipelineProducer producer, ILogger<OnceCoordinator> logger)
{
    private readonly HashSet<string> _finished = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private bool _anyFailed;

    public void Done(string name, bool ok)
    {
        lock (_lock)
        {
            _finished.Add(name);
            _anyFailed |= !ok;
            if (_finished.Count < services.GetServices<IHostedService>().OfType<SourceStage>().Count())
            {
                return;
            }
        }

        producer.Flush(TimeSpan.FromSeconds(30));

        logger.LogInformation("--once: every source ran once ({Outcome}); stopping", _anyFailed ? "with failures" : "ok");
        lifetime.StopApplication();
    }
}
