using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.Contracts;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Kafka;
using MillionX.Pipeline.Warehouse;
using Prometheus;

namespace MillionX.Pipeline.Stages.WarehouseSink;

/// <summary>
/// Consumes <c>sink.snowflake.orders</c> and <c>context.weather</c> and loads ORDERS, PRICE_HISTORY and WEATHER_LOGS in
/// batches (size or age, whichever first). Offsets are stored only after the whole batch is durable; a transient
/// warehouse failure is retried with backoff while nothing is stored.
/// </summary>
public sealed class WarehouseSinkStage : ConsumerStage
{
    public const string StageName = "warehouse-sink";

    private static readonly Counter RowsWritten = Metrics.CreateCounter(
        "millionx_warehouse_rows_written_total", "Rows upserted into the warehouse, by table and writer.", "table", "writer");

    private static readonly Histogram BatchRecords = Metrics.CreateHistogram(
        "millionx_warehouse_batch_records", "Records per warehouse batch.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 4, 10) });

    private static readonly Histogram FlushSeconds = Metrics.CreateHistogram(
        "millionx_warehouse_flush_seconds", "Time to write one batch durably.", new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.005, 2, 14) });

    private static readonly Gauge StatementsPer1kRows = Metrics.CreateGauge(
        "millionx_warehouse_statements_per_1k_rows", "Statements per 1,000 rows in the last batch (set-based loads keep this small).");

    private static readonly Counter FlushFailures = Metrics.CreateCounter(
        "millionx_warehouse_flush_failures_total", "Transient batch failures that were retried.", "writer");

    private readonly Channel<(object Row, RecordCompletion Completion)> _queue;
    private readonly IWarehouseWriter _writer;
    private readonly RecordValidator _validator;
    private readonly WarehouseSinkOptions _options;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, long> _rowsByTable = new(StringComparer.Ordinal);
    private long _batches;
    private long _batchRecords;

    public WarehouseSinkStage(StageServices services, IWarehouseWriter writer, RecordValidator validator, IOptions<WarehouseSinkOptions> options, TimeProvider clock)
        : base(StageName, services)
    {
        _writer = writer;
        _validator = validator;
        _options = options.Value;
        _clock = clock;
        // Bounded by the consumer's in-flight limit, which pauses the partitions instead of blocking here.
        _queue = Channel.CreateUnbounded<(object, RecordCompletion)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    }

    public override IReadOnlyCollection<string> Topics { get; } = [Kafka.Topics.SinkOrders, Kafka.Topics.Weather];

    /// <summary>Rows written per table by this process (the ingest summary's <c>warehouse_rows</c>).</summary>
    public IReadOnlyDictionary<string, long> RowsByTable
    {
        get
        {
            lock (_rowsByTable)
            {
                return new Dictionary<string, long>(_rowsByTable, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Batches this process wrote durably.</summary>
    public long BatchesWritten => Interlocked.Read(ref _batches);

    /// <summary>Records (duplicates included) in the batches this process wrote.</summary>
    public long BatchRecordsWritten => Interlocked.Read(ref _batchRecords);

    /// <summary>Room for two full batches, so one fills while the other is written.</summary>
    protected override int MaxInFlight => Math.Max(base.MaxInFlight, _options.MaxBatchRecords * 2);

    private TimeSpan MaxAge => _writer.Name == "duckdb" ? _options.DuckDbMaxBatchAge : _options.MaxBatchAge;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _writer.EnsureSchemaAsync(stoppingToken);
        await RunWithWorkerAsync(BatchLoop, () => _queue.Writer.TryComplete(), stoppingToken);
    }

    protected override void Handle(ConsumeResult<byte[]?, byte[]> record, RecordCompletion completion)
    {
        var ingestion = _clock.GetUtcNow().UtcDateTime;
        object row;
        if (record.Topic == Kafka.Topics.Weather)
        {
            var result = _validator.ValidateWeather(record.Message.Value ?? []);
            row = result.IsValid ? WeatherRow.From(result.Value!, ingestion) : throw new RecordRejectedException(result.Errors);
        }
        else
        {
            row = OrderRow.From(AnonymisedParsing.ParseOrder(record.Message.Value ?? []), ingestion);
        }

        // False only once the stage is stopping: the record stays unfinished and is read again.
        _queue.Writer.TryWrite((row, completion));
    }

    private async Task BatchLoop(CancellationToken ct)
    {
        var items = new List<(object Row, RecordCompletion Completion)>(_options.MaxBatchRecords);
        while (await ChannelBatches.ReadAsync(_queue.Reader, items, _options.MaxBatchRecords, MaxAge, ct))
        {
            var batch = new WarehouseBatch();
            foreach (var (row, _) in items)
            {
                Add(batch, row);
            }

            if (!await FlushAsync(batch, ct))
            {
                // Shutting down before the batch was durable: its offsets stay unstored and it is read again.
                return;
            }

            foreach (var (_, completion) in items)
            {
                completion.Complete();
            }
        }
    }

    private static void Add(WarehouseBatch batch, object row)
    {
        switch (row)
        {
            case OrderRow o:
                batch.Add(o);
                break;
            case WeatherRow w:
                batch.Add(w);
                break;
        }
    }

    private async Task<bool> FlushAsync(WarehouseBatch batch, CancellationToken ct)
    {
        var delay = _options.RetryInitialDelay;
        for (var attempt = 1; ; attempt++)
        {
            var stopwatch = Stopwatch.StartNew();
            try
            {
                // On shutdown the last batch still gets a short, bounded chance to land.
                using var bound = new CancellationTokenSource(ct.IsCancellationRequested ? TimeSpan.FromSeconds(2) : Timeout.InfiniteTimeSpan);
                var result = await _writer.WriteAsync(batch, bound.Token);
                FlushSeconds.Observe(stopwatch.Elapsed.TotalSeconds);
                BatchRecords.Observe(batch.RecordCount);
                var rows = batch.RowCounts;
                var total = rows.Values.Sum();
                if (total > 0)
                {
                    StatementsPer1kRows.Set(result.Statements * 1000.0 / total);
                }

                // Counted before the rows, so a reader that sees the rows also sees their batch.
                Interlocked.Add(ref _batchRecords, batch.RecordCount);
                Interlocked.Increment(ref _batches);
                lock (_rowsByTable)
                {
                    foreach (var (table, n) in rows)
                    {
                        RowsWritten.WithLabels(table, _writer.Name).Inc(n);
                        _rowsByTable[table] = _rowsByTable.GetValueOrDefault(table) + n;
                    }
                }

                Counters.RecordOut(_writer.Name, batch.RecordCount);
                return true;
            }
            catch (TransientWarehouseException ex)
            {
                FlushFailures.WithLabels(_writer.Name).Inc();
                if (ct.IsCancellationRequested)
                {
                    return false;
                }

                var wait = Backoff.Jitter(delay);
                Logger.LogWarning("Warehouse batch of {Records} records failed (attempt {Attempt}): {Error}; retrying in {Delay:0.0} s, offsets not stored",
                    batch.RecordCount, attempt, ex.Message, wait.TotalSeconds);
                try
                {
                    await Task.Delay(wait, _clock, ct);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }

                delay = Backoff.Grow(delay, _options.RetryMaxDelay);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return false;
            }
        }
    }
}
