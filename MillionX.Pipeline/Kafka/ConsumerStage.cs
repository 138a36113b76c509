using Confluent.Kafka;

namespace MillionX.Pipeline.Kafka;

/// <summary>What every consuming stage needs from the host.</summary>
public sealed class StageServices(
    KafkaClientFactory clients,
    PipelineMetrics metrics,
    DeadLetterPublisher deadLetters,
    StageRegistry registry,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers,
    TimeProvider clock,
    IOptions<HostOptions> host)
{
    public KafkaClientFactory Clients => clients;
    public PipelineMetrics Metrics => metrics;
    public DeadLetterPublisher DeadLetters => deadLetters;
    public StageRegistry Registry => registry;
    public IHostApplicationLifetime Lifetime => lifetime;
    public ILoggerFactory Loggers => loggers;

    public TimeProvider Clock => clock;

    /// <summary>
    /// How long a stopping stage waits for its records in flight before it commits and leaves its group: three
    /// quarters of <c>Pipeline:ShutdownTimeout</c>, so the host's own deadline is not overrun.
    /// </summary>
    public TimeSpan DrainTimeout => host.Value.ShutdownTimeout * 0.75;

    /// <summary>The bound on a batch's last write once the stage is stopping: half of <c>Pipeline:ShutdownTimeout</c>.</summary>
    public TimeSpan LastWriteGrace => host.Value.ShutdownTimeout / 2;
}

/// <summary>
/// Base of every consuming stage. One consumer in its own group on a dedicated thread; at-least-once: a record's
/// offset is stored only when the stage calls <see cref="RecordCompletion.Complete"/> (its output is durable) or
/// the record was dead-lettered and the dead letter acknowledged, and only as part of a contiguous prefix.
/// </summary>
public abstract class ConsumerStage : BackgroundService
{
    private readonly OffsetTracker _tracker = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<PartitionOffsets> _toStore = new();
    private int _inFlight;
    private volatile bool _assignmentChanged;
    private TaskCompletionSource? _idle;
    private readonly ManualResetEventSlim _room = new(true);
    private int _high = int.MaxValue;
    private readonly StageServices _services;
    private readonly ILogger _logger;
    private volatile Exception? _fatal;

    protected ConsumerStage(string name, StageServices services)
    {
        Name = name;
        _services = services;
        _logger = services.Loggers.CreateLogger(GetType());
        Counters = services.Metrics.Stage(name);
    }

    public string Name { get; }

    public string GroupId => _services.Clients.GroupId(Name);

    public abstract IReadOnlyCollection<string> Topics { get; }

    protected PipelineMetrics.StageCounters Counters { get; }


    protected ILogger Logger => _logger;

    /// <summary>
    /// Records read and not yet completed beyond which the consumer pauses its partitions (it keeps polling, so it stays
    /// in its group); it resumes at half. Bounds the stage's queues too: a stage's worker queue holds only records in
    /// flight. Default <c>Kafka:MaxInFlightPerStage</c>.
    /// </summary>
    protected virtual int MaxInFlight => _services.Clients.Options.MaxInFlightPerStage;

    /// <summary>Records read and not yet completed, dead-lettered or failed.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Processes one record. Call <paramref name="completion"/> when its output is durable (may be later, on
    /// another thread); throw <see cref="RecordRejectedException"/> for a bad record; anything else stops the host.
    /// <paramref name="ct"/> is cancelled when the stage stops.
    /// </summary>
    protected abstract void Handle(ConsumeResult<byte[]?, byte[]> record, RecordCompletion completion, CancellationToken ct);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => ExecuteConsumeAsync(stoppingToken);

    /// <summary>
    /// Runs the consume loop beside a worker that drains a stage's queue (batching, embedding). A worker that fails is
    /// tier 3: the stage is marked failed and the host stops, instead of the consumer running on until its queue fills.
    /// </summary>
    protected async Task RunWithWorkerAsync(Func<CancellationToken, Task> worker, Action completeQueue, CancellationToken stoppingToken)
    {
        var working = Task.Run(() => worker(stoppingToken), CancellationToken.None);
        var consuming = ExecuteConsumeAsync(stoppingToken);
        if (await Task.WhenAny(working, consuming) == working && working.IsFaulted)
        {
            var error = working.Exception!.InnerException!;
            _services.Registry.Get(Name).Failed(error);
            _logger.LogCritical(error, "Stage {Stage} failed; stopping the host", Name);
            completeQueue();
            throw error;
        }

        try
        {
            await consuming;
        }
        finally
        {
            completeQueue();
            await working;
        }
    }

    private Task ExecuteConsumeAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => ConsumeLoop(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void ConsumeLoop(CancellationToken ct)
    {
        var status = _services.Registry.Get(Name);
        var config = _services.Clients.ConsumerConfig(Name);
        using var consumer = _services.Clients.ConsumerBuilder<byte[]?, byte[]>(Name, config)
            .SetPartitionsAssignedHandler((_, parts) =>
            {
                // Partitions assigned while paused start fetching; the loop pauses them too once they are in the assignment.
                _assignmentChanged = true;
                Counters.RecordAssigned();
                _logger.LogInformation("Stage {Stage} assigned {Partitions}", Name, string.Join(", ", parts));
            })
            .SetPartitionsRevokedHandler((c, parts) =>
            {
                // What completed before the revocation is stored now, so the commit that goes with it includes it.
                StoreCompleted(c);
                _tracker.Revoke(parts.Select(p => p.TopicPartition));
                Counters.RecordRevoked("revoked");
                _logger.LogInformation("Stage {Stage} revoked {Partitions}", Name, string.Join(", ", parts.Select(p => p.TopicPartition)));
            })
            .SetPartitionsLostHandler((_, parts) =>
            {
                _tracker.Revoke(parts.Select(p => p.TopicPartition));
                Counters.RecordRevoked("lost");
                _logger.LogWarning("Stage {Stage} lost {Partitions} (left the group without revoking them)", Name, string.Join(", ", parts.Select(p => p.TopicPartition)));
            })
            .Build();
        consumer.Subscribe(Topics);
        status.Running();
        _logger.LogInformation("Stage {Stage} consuming {Topics} as group {Group}", Name, string.Join(", ", Topics), GroupId);
        var nextLag = DateTime.UtcNow;
        var groupId = GroupId;
        var high = Math.Max(1, MaxInFlight);
        var low = high / 2;
        Volatile.Write(ref _high, high);
        var paused = false;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (_fatal is { } fatal)
                {
                    throw new InvalidOperationException($"Stage {Name} failed: {fatal.Message}", fatal);
                }

                paused = ApplyBackPressure(consumer, paused, high, low, ct);
                ConsumeResult<byte[]?, byte[]>? record;
                try
                {
                    // Paused, Consume returns no records but still serves the group protocol and max.poll.interval.ms;
                    // a short wait notices completions (the way back below the low-water mark) soon.
                    record = consumer.Consume(TimeSpan.FromMilliseconds(paused ? 20 : 200));
                }
                catch (ConsumeException ex) when (!ex.Error.IsFatal)
                {
                    _logger.LogWarning("Stage {Stage} consume error {Code}: {Reason}", Name, ex.Error.Code, ex.Error.Reason);
                    continue;
                }

                StoreCompleted(consumer);
                if (record is not null && !record.IsPartitionEOF)
                {
                    Interlocked.Increment(ref _inFlight);
                    Counters.RecordIn();
                    var offsets = _tracker.For(record.TopicPartition);
                    offsets.Begin(record.Offset.Value);
                    var span = PipelineTracing.StartProcess(Name, groupId, record);
                    var completion = new RecordCompletion(this, offsets, record, span);
                    try
                    {
                        Handle(record, completion, ct);
                    }
                    catch (RecordRejectedException ex)
                    {
                        completion.DeadLetter(ex.Errors);
                    }
                    finally
                    {
                        PipelineTracing.Detach(span);
                    }
                }

                if (DateTime.UtcNow >= nextLag)
                {
                    nextLag = DateTime.UtcNow.AddSeconds(5);
                    UpdateLag(consumer);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            status.Failed(ex);
            _logger.LogCritical(ex, "Stage {Stage} stopped on an unrecoverable error; stopping the host", Name);
            throw;
        }
        finally
        {
            DrainInFlight(_services.DrainTimeout);
            StoreCompleted(consumer);
            try
            {
                // Commits the stored offsets and leaves the group, so a successor takes over at once.
                consumer.Close();
                _logger.LogInformation("Stage {Stage} committed its offsets and left group {Group}", Name, GroupId);
            }
            catch (KafkaException ex)
            {
                _logger.LogWarning("Stage {Stage} could not close its consumer cleanly: {Error}", Name, ex.Error.Reason);
            }

            _tracker.RevokeAll();
            Counters.SetPaused(false);
            status.Stopped();
        }
    }

    /// <summary>
    /// At <paramref name="high"/> records in flight the consume thread first waits, up to <see cref="PauseAfter"/>, for
    /// room: ordinary back-pressure, which keeps what librdkafka already fetched. When the stage stays full longer (a store
    /// outage), it pauses every assigned partition and keeps polling, so it never misses max.poll.interval.ms and stays
    /// in its group (a blocked consumer would leave it, and its records would be read twice); it resumes them at
    /// <paramref name="low"/>. Returns whether the consumer is paused now.
    /// </summary>
    private bool ApplyBackPressure(IConsumer<byte[]?, byte[]> consumer, bool paused, int high, int low, CancellationToken ct)
    {
        if (paused)
        {
            var inFlight = Volatile.Read(ref _inFlight);
            if (inFlight <= low)
            {
                consumer.Resume(consumer.Assignment);
                Counters.SetPaused(false);
                _logger.LogDebug("Stage {Stage} resumed its partitions: {InFlight} records in flight", Name, inFlight);
                return false;
            }

            if (_assignmentChanged)
            {
                _assignmentChanged = false;
                consumer.Pause(consumer.Assignment);
            }

            return true;
        }

        if (Volatile.Read(ref _inFlight) < high)
        {
            return false;
        }

        _room.Reset();
        if (Volatile.Read(ref _inFlight) < high || _room.Wait(PauseAfter, ct))
        {
            return false;
        }

        _assignmentChanged = false;
        consumer.Pause(consumer.Assignment);
        Counters.SetPaused(true);
        _logger.LogDebug("Stage {Stage} paused its partitions: {InFlight} records in flight for {Wait} s", Name, Volatile.Read(ref _inFlight), PauseAfter.TotalSeconds);
        return true;
    }

    /// <summary>How long a full stage waits for room before it pauses its partitions (pausing drops what was prefetched).</summary>
    private static readonly TimeSpan PauseAfter = TimeSpan.FromSeconds(1);

    /// <summary>Waits, at most <paramref name="timeout"/>, until every record read has completed.</summary>
    private void DrainInFlight(TimeSpan timeout)
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _idle, idle);
        if (Volatile.Read(ref _inFlight) <= 0)
        {
            idle.TrySetResult();
        }

        // The consume thread is a dedicated one: waiting on it blocks no pool thread.
        if (!idle.Task.Wait(timeout))
        {
            _logger.LogWarning("Stage {Stage} stops with {Count} records unfinished; their offsets are not stored and they will be read again", Name, InFlight);
        }
    }

    private void Finished()
    {
        var left = Interlocked.Decrement(ref _inFlight);
        // The consume thread checks the count again after it resets the event, so a set event needs no second Set.
        if (left < Volatile.Read(ref _high) && !_room.IsSet)
        {
            _room.Set();
        }

        if (left <= 0)
        {
            Volatile.Read(ref _idle)?.TrySetResult();
        }
    }

    private void UpdateLag(IConsumer<byte[]?, byte[]> consumer)
    {
        long total = 0;
        foreach (var tp in consumer.Assignment)
        {
            var w = consumer.GetWatermarkOffsets(tp);
            var pos = consumer.Position(tp);
            if (w.High == Offset.Unset || pos == Offset.Unset)
            {
                continue;
            }

            var lag = Math.Max(0, w.High.Value - pos.Value);
            total += lag;
            PipelineMetrics.SetLag(Name, tp.Topic, tp.Partition.Value, lag);
        }

        Counters.SetLag(total);
    }

    /// <summary>
    /// A record is done: when its partition's contiguous completed prefix grew, the partition waits (once) in the queue
    /// of offsets to store, which the consume thread empties (<see cref="StoreCompleted"/>). So a batch of 10,000
    /// records completing costs one <c>StoreOffset</c> per partition instead of one per record (each a native call with
    /// its own partition list), and only one thread stores, so a partition's stored offset never moves back.
    /// </summary>
    internal void OnCompleted(PartitionOffsets offsets, long offset)
    {
        if (offsets.Active && offsets.Complete(offset) is not null && Interlocked.Exchange(ref offsets.Queued, 1) == 0)
        {
            _toStore.Enqueue(offsets);
        }

        // After the offset is queued: a stop that sees nothing in flight stores it before the consumer closes.
        Finished();
    }

    /// <summary>Stores the newest completed offset of every partition queued by <see cref="OnCompleted"/>; consume thread only.</summary>
    private void StoreCompleted(IConsumer<byte[]?, byte[]> consumer)
    {
        while (_toStore.TryDequeue(out var offsets))
        {
            // Cleared before taking: a completion after the take queues the partition again.
            Volatile.Write(ref offsets.Queued, 0);
            if (!offsets.Active || offsets.TakeStorable() is not { } commit)
            {
                continue;
            }

            try
            {
                consumer.StoreOffset(new TopicPartitionOffset(offsets.Partition, commit));
            }
            catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_State)
            {
                // The partition was revoked meanwhile; its new owner reads the record again.
            }
        }
    }

    internal void OnFatal(Exception ex)
    {
        Finished();
        _fatal ??= ex;
    }

    internal void DeadLetter(ConsumeResult<byte[]?, byte[]> record, IReadOnlyList<ValidationError> errors, RecordCompletion completion)
    {
        var context = new RecordContext(Name, record.Topic, record.Partition.Value, record.Offset.Value, record.Message.Key,
            RetryCount: RetryCountOf(record.Message.Headers));
        _services.DeadLetters.Publish(context, record.Message.Value ?? [], errors, report =>
        {
            if (report.Error.Code == ErrorCode.NoError)
            {
                completion.Complete();
            }
            else
            {
                completion.Fail(new KafkaException(report.Error));
            }
        });
    }

    private static int RetryCountOf(Headers? headers) =>
        headers is not null && headers.TryGetLastBytes(DeadLetterHeaders.RetryCount, out var b)
            && int.TryParse(System.Text.Encoding.UTF8.GetString(b), out var n) ? n : 0;
}

/// <summary>The handle a stage uses to say that one record is done, dead-lettered, or failed.</summary>
public sealed class RecordCompletion
{
    private readonly ConsumerStage _stage;
    private readonly PartitionOffsets _offsets;
    private readonly ConsumeResult<byte[]?, byte[]> _record;
    private readonly System.Diagnostics.Activity? _span;
    private string? _deadLetterReason;
    private int _done;

    internal RecordCompletion(ConsumerStage stage, PartitionOffsets offsets, ConsumeResult<byte[]?, byte[]> record, System.Diagnostics.Activity? span = null)
    {
        _stage = stage;
        _offsets = offsets;
        _record = record;
        _span = span;
    }

    /// <summary>The record's process span while tracing is on (null otherwise): work done later on another thread can parent on it.</summary>
    public System.Diagnostics.Activity? Span => _span;

    /// <summary>The record's output is durable: its offset may be committed.</summary>
    public void Complete()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            PipelineTracing.EndProcess(_span, _deadLetterReason);
            _stage.OnCompleted(_offsets, _record.Offset.Value);
        }
    }

    /// <summary>Sends the record to its dead-letter topic; completes when the dead letter is acknowledged.</summary>
    public void DeadLetter(IReadOnlyList<ValidationError> errors)
    {
        if (_span is not null)
        {
            _deadLetterReason = errors.Count > 0 ? errors[0].Code : "rejected";
        }

        _stage.DeadLetter(_record, errors, this);
    }

    /// <summary>An unrecoverable failure: the offset is not stored and the stage stops the host.</summary>
    public void Fail(Exception ex)
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            PipelineTracing.EndProcess(_span, _deadLetterReason, ex);
            _stage.OnFatal(ex);
        }
    }
}
