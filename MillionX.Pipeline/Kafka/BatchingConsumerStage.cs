using System.Threading.Channels;
using Confluent.Kafka;
using Polly;
using Polly.Retry;
using Prometheus;

namespace MillionX.Pipeline.Kafka;

/// <summary>How a batching stage cuts and retries its batches.</summary>
/// <param name="MaxItems">A batch is written when it holds this many items...</param>
/// <param name="MaxAge">...or when its first item is this old, whichever comes first.</param>
/// <param name="RetryInitialDelay">The first backoff after a <see cref="TransientException"/> (then doubling, with jitter).</param>
/// <param name="RetryMaxDelay">The longest backoff.</param>
public readonly record struct BatchWindow(int MaxItems, TimeSpan MaxAge, TimeSpan RetryInitialDelay, TimeSpan RetryMaxDelay);

/// <summary>
/// Base of the stages that write in batches (warehouse-sink, vector-sink, embedding-service, context-enricher's
/// orders). A stage supplies <see cref="Map"/> (on the consumer thread; throw <see cref="RecordRejectedException"/> for a
/// bad record) and <see cref="WriteBatchAsync"/>; the base owns the queue, the worker, the size/age window, the retry
/// of transient failures (a Polly pipeline on the host's <see cref="TimeProvider"/>), completing the batch's records
/// once it is durable, and the stop: batches the consumer already handed over get one last write bounded by
/// <see cref="StageServices.LastWriteGrace"/>; whatever is not durable then is read again after a restart.
/// </summary>
public abstract class BatchingConsumerStage<TItem> : ConsumerStage
{
    private static readonly Counter Retries = Metrics.CreateCounter(
        "millionx_stage_write_retries_total", "Batch writes that failed transiently and were retried, by stage.", "stage");

    private readonly Channel<(TItem Item, RecordCompletion Completion)> _queue =
        Channel.CreateUnbounded<(TItem, RecordCompletion)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    private readonly StageServices _services;
    private volatile bool _closed;
    private ResiliencePipeline? _retry;

    protected BatchingConsumerStage(string name, StageServices services)
        : base(name, services)
    {
        _services = services;
    }

    /// <summary>The stage's batch size, age and retry delays (read once, when the stage starts).</summary>
    protected abstract BatchWindow Window { get; }

    /// <summary>
    /// Whether batches still queued when the consumer has stopped are written (true) or left to be read again
    /// after a restart (false: for a stage whose batches are slow, such as embedding).
    /// </summary>
    protected virtual bool WritesQueuedOnStop => true;

    /// <summary>Run once before consuming (schemas, connections).</summary>
    protected virtual Task PrepareAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>The item a record becomes; runs on the consumer thread.</summary>
    protected abstract TItem Map(ConsumeResult<byte[]?, byte[]> record);

    /// <summary>
    /// Writes one batch durably. Throw a <see cref="TransientException"/> to have it retried with backoff (it may run
    /// several times with the same items, so it must be idempotent); anything else fails the stage.
    /// </summary>
    protected abstract Task WriteBatchAsync(IReadOnlyList<TItem> items, CancellationToken ct);

    /// <summary>Called before each retry, for a stage's own failure counter.</summary>
    protected virtual void OnRetry(Exception error)
    {
    }

    protected override void Handle(ConsumeResult<byte[]?, byte[]> record, RecordCompletion completion, CancellationToken ct) =>
        Enqueue(Map(record), completion);

    /// <summary>Queues an item for the next batch; its record completes when the batch is durable.</summary>
    protected void Enqueue(TItem item, RecordCompletion completion) =>
        // Unbounded, yet bounded by the consumer's in-flight limit. False only once stopping: the record is read again.
        _queue.Writer.TryWrite((item, completion));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await PrepareAsync(stoppingToken);
        await RunWithWorkerAsync(WorkAsync, () =>
        {
            _closed = true;
            _queue.Writer.TryComplete();
        }, stoppingToken);
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        var window = Window;
        var retry = Retry;
        var taken = new List<(TItem Item, RecordCompletion Completion)>(window.MaxItems);
        while (await ChannelBatches.ReadAsync(_queue.Reader, taken, window.MaxItems, window.MaxAge, ct))
        {
            if (_closed && !WritesQueuedOnStop)
            {
                return;
            }

            if (!await WriteOrSplitAsync(retry, [.. taken], ct))
            {
                // Stopping before the batch was durable: its offsets stay unstored and it is read again.
                return;
            }
        }
    }

    /// <summary>
    /// Writes a batch and completes its records; true once each is durable or dead-lettered, false when the stage
    /// stopped first. A batch the store refuses for its data (<see cref="BatchRejectedException"/>) is split in halves
    /// until the records at fault stand alone: they are dead-lettered (<c>rejected_by_store</c>), the rest land. A poison
    /// record thus costs about 2 log2(n) writes instead of stalling the sink on the same batch forever.
    /// </summary>
    private async Task<bool> WriteOrSplitAsync(ResiliencePipeline retry, List<(TItem Item, RecordCompletion Completion)> batch, CancellationToken ct)
    {
        try
        {
            if (!await WriteAsync(retry, batch.ConvertAll(b => b.Item), ct))
            {
                return false;
            }
        }
        catch (BatchRejectedException ex)
        {
            if (batch.Count == 1)
            {
                Logger.LogWarning("Stage {Stage}: the store refused a record ({Error}); it is dead-lettered", Name, ex.Message);
                batch[0].Completion.DeadLetter([new ValidationError("$", ReasonCodes.RejectedByStore, ex.Message)]);
                return true;
            }

            Logger.LogWarning("Stage {Stage}: the store refused a batch of {Count} ({Error}); splitting it to find the records at fault", Name, batch.Count, ex.Message);
            var half = batch.Count / 2;
            return await WriteOrSplitAsync(retry, batch.GetRange(0, half), ct) && await WriteOrSplitAsync(retry, batch.GetRange(half, batch.Count - half), ct);
        }

        foreach (var (_, completion) in batch)
        {
            completion.Complete();
        }

        return true;
    }

    /// <summary>True once the batch is durable; false when the stage stopped first.</summary>
    private async Task<bool> WriteAsync(ResiliencePipeline retry, List<TItem> items, CancellationToken ct)
    {
        // A write under way when the stop comes gets the grace to finish; retry delays end at once.
        using var write = new CancellationTokenSource();
        using var stopping = ct.Register(() => write.CancelAfter(_services.LastWriteGrace));
        try
        {
            if (ct.IsCancellationRequested)
            {
                // Handed over after the stop: one bounded attempt, no retries.
                await WriteBatchAsync(items, write.Token);
                return true;
            }

            await retry.ExecuteAsync(static async (state, _) => await state.Self.WriteBatchAsync(state.Items, state.Token),
                (Self: this, Items: (IReadOnlyList<TItem>)items, write.Token), ct);
            return true;
        }
        catch (TransientException ex) when (ct.IsCancellationRequested)
        {
            Logger.LogWarning("Stage {Stage} stops with a batch of {Count} not written ({Error}); it is read again after a restart", Name, items.Count, ex.Message);
            return false;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The stage's one retry of <see cref="TransientException"/>s: its batch writes and its other store calls.</summary>
    protected ResiliencePipeline Retry => _retry ??= BuildRetry(Window);

    private ResiliencePipeline BuildRetry(BatchWindow window)
    {
        var retries = Retries.WithLabels(Name);
        return new ResiliencePipelineBuilder { TimeProvider = _services.Clock }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<TransientException>(),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = window.RetryInitialDelay,
                MaxDelay = window.RetryMaxDelay,
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    var error = args.Outcome.Exception!;
                    retries.Inc();
                    OnRetry(error);
                    Logger.LogWarning("Stage {Stage}: a store call failed (attempt {Attempt}): {Error}; retrying in {Delay:0.0} s, offsets not stored",
                        Name, args.AttemptNumber + 1, error.Message, args.RetryDelay.TotalSeconds);
                    return default;
                },
            })
            .Build();
    }
}
