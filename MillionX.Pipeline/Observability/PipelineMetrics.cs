using System.Collections.Concurrent;
using Prometheus;

namespace MillionX.Pipeline.Observability;

/// <summary>
/// Per-stage counts. Every increment goes to Prometheus (process-wide) and to this host's own counters, which the
/// progress line, the ingest summary and tests read.
/// </summary>
public sealed class PipelineMetrics
{
    private static readonly Counter RecordsIn = Metrics.CreateCounter(
        "millionx_records_in_total", "Records a stage read or received.", "stage");

    private static readonly Counter RecordsOut = Metrics.CreateCounter(
        "millionx_records_out_total", "Records a stage wrote durably (produced and acknowledged, or stored).", "stage", "topic");

    private static readonly Counter DeadLetters = Metrics.CreateCounter(
        "millionx_dead_letters_total", "Records a stage dead-lettered, by reason code.", "stage", "reason");

    private static readonly Gauge Lag = Metrics.CreateGauge(
        "millionx_consumer_lag", "Messages between a stage's position and the end of the partition.", "stage", "topic", "partition");

    private static readonly Gauge Paused = Metrics.CreateGauge(
        "millionx_consumer_paused", "1 while a stage's consumer has paused its partitions because its in-flight limit is reached (back-pressure; it keeps polling and stays in its group).", "stage");

    private static readonly Counter Rebalances = Metrics.CreateCounter(
        "millionx_consumer_rebalances_total", "Partition assignments and revocations a stage's consumer went through.", "stage", "kind");

    /// <summary>
    /// CAPTCHA solves by platform and result (solved, failed, timeout, incorrect), for the solve-rate alert. Defined here
    /// so the alert rules' metric check sees it; the solver increments it.
    /// </summary>
    public static readonly Counter CaptchaSolves = Metrics.CreateCounter(
        "millionx_captcha_solves_total", "CAPTCHA solve attempts by platform and result (solved, failed, timeout, incorrect).", "platform", "result");

    /// <summary>The paths end-to-end latency is measured on: posts to vectors, orders and weather to the warehouse.</summary>
    public const string PathPosts = "posts";

    public const string PathOrders = "orders";

    public const string PathWeather = "weather";

    /// <summary>
    /// From a source accepting a record (its <c>x-millionx-ingested-at</c> header) to the record being durable in its final
    /// store, by path. Buckets 10 ms doubling, 16 (to about 5.5 min: a 60 s Snowflake batch window still lands in one).
    /// </summary>
    public static readonly Histogram EndToEndLatency = Metrics.CreateHistogram(
        "millionx_end_to_end_latency_seconds", "Source record accepted to durable in its final store, by path (posts: vector written; orders, weather: warehouse batch written); the plan's < 5 s.",
        new HistogramConfiguration { LabelNames = ["path"], Buckets = Histogram.ExponentialBuckets(0.01, 2, 16) });

    /// <summary>
    /// A sink batch's window: from its first record being read to the batch being written. The part of end-to-end latency the
    /// batching decides (the warehouse sink waits up to <c>MaxBatchAge</c>: 60 s for Snowflake, 2 s for DuckDB).
    /// </summary>
    public static readonly Histogram SinkBatchWindow = Metrics.CreateHistogram(
        "millionx_sink_batch_window_seconds", "Time from the first record of a sink batch being read to the batch being written, by stage.",
        new HistogramConfiguration { LabelNames = ["stage"], Buckets = Histogram.ExponentialBuckets(0.05, 2, 13) });

    private readonly ConcurrentDictionary<string, StageCounters> _stages = new(StringComparer.Ordinal);

    public StageCounters Stage(string stage) => _stages.GetOrAdd(stage, s => new StageCounters(s));

    public IReadOnlyCollection<StageCounters> Stages => _stages.Values.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();

    public static void SetLag(string stage, string topic, int partition, long lag) =>
        Lag.WithLabels(stage, topic, partition.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(lag);

    public sealed class StageCounters(string name)
    {
        private readonly Counter.Child _inMetric = RecordsIn.WithLabels(name);
        private readonly ConcurrentDictionary<string, Counter.Child> _outMetrics = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, long> _deadLetterReasons = new(StringComparer.Ordinal);
        private long _in;
        private long _out;
        private long _dead;
        private long _lag;
        private long _pauses;
        private long _assignments;
        private long _revocations;
        private int _paused;

        public string Name => name;

        public long In => Interlocked.Read(ref _in);

        public long Out => Interlocked.Read(ref _out);

        public long DeadLettered => Interlocked.Read(ref _dead);

        public long Lag => Interlocked.Read(ref _lag);

        public IReadOnlyDictionary<string, long> DeadLetterReasons => new Dictionary<string, long>(_deadLetterReasons, StringComparer.Ordinal);

        public void RecordIn(long n = 1)
        {
            Interlocked.Add(ref _in, n);
            _inMetric.Inc(n);
        }

        public void RecordOut(string topic, long n = 1)
        {
            Interlocked.Add(ref _out, n);
            // One child per output topic, looked up by topic: WithLabels built a label array and looked the pair up on
            // every record (the privacy shield counts each delivery report).
            _outMetrics.GetOrAdd(topic, static (t, stage) => RecordsOut.WithLabels(stage, t), name).Inc(n);
        }

        public void RecordDeadLetter(string reason)
        {
            Interlocked.Increment(ref _dead);
            _deadLetterReasons.AddOrUpdate(reason, 1, (_, c) => c + 1);
            DeadLetters.WithLabels(name, reason).Inc();
        }

        public void SetLag(long lag) => Interlocked.Exchange(ref _lag, lag);

        /// <summary>Times the consumer paused its partitions for back-pressure.</summary>
        public long Pauses => Interlocked.Read(ref _pauses);

        /// <summary>Partition assignments (the first one included) and revocations or losses.</summary>
        public long Assignments => Interlocked.Read(ref _assignments);

        public long Revocations => Interlocked.Read(ref _revocations);

        public bool IsPaused => Volatile.Read(ref _paused) != 0;

        public void SetPaused(bool paused)
        {
            if (paused && Interlocked.Exchange(ref _paused, 1) == 0)
            {
                Interlocked.Increment(ref _pauses);
            }
            else if (!paused)
            {
                Interlocked.Exchange(ref _paused, 0);
            }

            Paused.WithLabels(name).Set(paused ? 1 : 0);
        }

        public void RecordAssigned()
        {
            Interlocked.Increment(ref _assignments);
            Rebalances.WithLabels(name, "assigned").Inc();
        }

        public void RecordRevoked(string kind)
        {
            Interlocked.Increment(ref _revocations);
            Rebalances.WithLabels(name, kind).Inc();
        }
    }
}
