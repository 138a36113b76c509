using System.Diagnostics;
using Confluent.Kafka;
using Prometheus;

namespace MillionX.Pipeline.Stages.WarehouseSink;

/// <summary>
/// Consumes <c>sink.snowflake.orders</c> and <c>context.weather</c> and loads ORDERS, PRICE_HISTORY and WEATHER_LOGS in
/// batches (size or age, whichever first). Offsets are stored only after the whole batch is durable; a transient
/// warehouse failure is retried with backoff while nothing is stored.
/// </summary>
public sealed class WarehouseSinkStage(
    StageServices services, IWarehouseWriter writer, RecordValidator validator, IOptions<WarehouseSinkOptions> options, TimeProvider clock)
    : BatchingConsumerStage<object>(StageName, services)
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

    private static readonly Histogram.Child OrdersLatency = PipelineMetrics.EndToEndLatency.WithLabels(PipelineMetrics.PathOrders);
    private static readonly Histogram.Child WeatherLatency = PipelineMetrics.EndToEndLatency.WithLabels(PipelineMetrics.PathWeather);
    private static readonly Histogram.Child BatchWindowSeconds = PipelineMetrics.SinkBatchWindow.WithLabels(StageName);

    private readonly IWarehouseWriter _writer = writer;
    private readonly RecordValidator _validator = validator;
    private readonly WarehouseSinkOptions _options = options.Value;
    private readonly TimeProvider _clock = clock;
    private readonly Dictionary<string, long> _rowsByTable = new(StringComparer.Ordinal);
    private long _batches;
    private long _batchRecords;
    private long _firstBatchAt;
    private long _firstBatchOrders;

    public override IReadOnlyCollection<string> Topics { get; } = [Kafka.Topics.AnonymisedOrders, Kafka.Topics.Weather];

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

    /// <summary>
    /// When this process's first batch became durable (a <see cref="Stopwatch"/> timestamp; 0 before it) and the ORDERS
    /// rows it wrote: the bench times the sink from there, whenever its own polling notices.
    /// </summary>
    public (long At, long OrderRows) FirstBatch => (Interlocked.Read(ref _firstBatchAt), Interlocked.Read(ref _firstBatchOrders));

    /// <summary>Room for two full batches, so one fills while the other is written.</summary>
    protected override int MaxInFlight => Math.Max(base.MaxInFlight, _options.MaxBatchRecords * 2);

    protected override BatchWindow Window => new(
        _options.MaxBatchRecords, _writer.Name == "duckdb" ? _options.DuckDbMaxBatchAge : _options.MaxBatchAge, _options.RetryInitialDelay, _options.RetryMaxDelay);

    protected override Task PrepareAsync(CancellationToken ct) => _writer.EnsureSchemaAsync(ct);

    protected override object Map(ConsumeResult<byte[]?, byte[]> record)
    {
        var ingestion = _clock.GetUtcNow().UtcDateTime;
        var ingestedAt = PipelineHeaders.IngestedAtOf(record.Message.Headers);
        if (record.Topic == Kafka.Topics.Weather)
        {
            var result = _validator.ValidateWeather(record.Message.Value ?? []);
            return result.IsValid ? new Landing(default, WeatherRow.From(result.Value!, ingestion), ingestion, ingestedAt) : throw new RecordRejectedException(result.Errors);
        }

        // The keys' hashes are made here, on the consumer thread, not on the writer's.
        var order = OrderRow.From(AnonymisedParsing.ParseOrder(record.Message.Value ?? [], _validator.Limits), ingestion);
        return new Landing(new KeyedOrder(order), null, ingestion, ingestedAt);
    }

    protected override async Task WriteBatchAsync(IReadOnlyList<object> rows, CancellationToken ct)
    {
        var batch = new WarehouseBatch(rows.Count);
        foreach (Landing landing in rows)
        {
            if (landing.Weather is { } weather)
            {
                batch.Add(weather);
            }
            else
            {
                batch.Add(landing.Order);
            }
        }

        var stopwatch = Stopwatch.StartNew();
        var result = await _writer.WriteAsync(batch, ct);
        FlushSeconds.Observe(stopwatch.Elapsed.TotalSeconds);
        BatchRecords.Observe(batch.RecordCount);
        var counts = batch.RowCounts;
        var total = counts.Values.Sum();
        if (total > 0)
        {
            StatementsPer1kRows.Set(result.Statements * 1000.0 / total);
        }

        // Counted before the rows, so a reader that sees the rows also sees their batch (and the first batch's time).
        if (Interlocked.Read(ref _firstBatchAt) == 0)
        {
            Interlocked.Exchange(ref _firstBatchOrders, counts.GetValueOrDefault(WarehouseTables.Orders));
            Interlocked.Exchange(ref _firstBatchAt, Stopwatch.GetTimestamp());
        }

        Interlocked.Add(ref _batchRecords, batch.RecordCount);
        Interlocked.Increment(ref _batches);
        lock (_rowsByTable)
        {
            foreach (var (table, n) in counts)
            {
                RowsWritten.WithLabels(table, _writer.Name).Inc(n);
                _rowsByTable[table] = _rowsByTable.GetValueOrDefault(table) + n;
            }
        }

        Counters.RecordOut(_writer.Name, batch.RecordCount);
        ObserveLatency(rows, _clock.GetUtcNow());
    }

    /// <summary>The batch is durable: each record's end-to-end latency ends here, and the batch's window with it.</summary>
    private static void ObserveLatency(IReadOnlyList<object> rows, DateTimeOffset landed)
    {
        var first = landed;
        foreach (Landing landing in rows)
        {
            first = landing.ReadAt < first ? landing.ReadAt : first;
            if (landing.IngestedAt is { } at)
            {
                (landing.Weather is not null ? WeatherLatency : OrdersLatency).Observe(Math.Max(0, (landed - at).TotalSeconds));
            }
        }

        if (rows.Count > 0)
        {
            BatchWindowSeconds.Observe((landed - first).TotalSeconds);
        }
    }

    /// <summary>
    /// A record's row (an order with its keys' hashes, or a weather observation), when the record was read, and when it
    /// entered the pipeline (its ingested-at header).
    /// </summary>
    private sealed record Landing(KeyedOrder Order, WeatherRow? Weather, DateTimeOffset ReadAt, DateTimeOffset? IngestedAt);

    protected override void OnRetry(Exception error) => FlushFailures.WithLabels(_writer.Name).Inc();
}
