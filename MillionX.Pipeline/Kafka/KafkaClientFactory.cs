using Confluent.Kafka;

namespace MillionX.Pipeline.Kafka;

/// <summary>
/// Builds every Kafka client of the process: configurations in layers (defaults, <c>Kafka:Client</c>, the client kind,
/// then a stage's own keys), and librdkafka's errors and log lines mapped to <see cref="ILogger"/> (category
/// <c>MillionX.Pipeline.Kafka.librdkafka</c>, by syslog level), so no client is built with its own wiring.
/// </summary>
public sealed class KafkaClientFactory(KafkaCluster cluster, IOptions<KafkaOptions> options, ILoggerFactory loggers, IConfiguration? configuration = null)
{
    private readonly ILogger _librdkafka = loggers.CreateLogger("MillionX.Pipeline.Kafka.librdkafka");

    public KafkaOptions Options => options.Value;

    /// <summary>A producer from <see cref="ProducerConfig()"/> (or <paramref name="config"/>) with errors and logs mapped.</summary>
    public IProducer<TKey, TValue> Producer<TKey, TValue>(string name, ProducerConfig? config = null) =>
        new ProducerBuilder<TKey, TValue>(config ?? ProducerConfig())
            .SetErrorHandler((_, e) => OnError(name, e))
            .SetLogHandler((_, m) => OnLog(name, m))
            .Build();

    /// <summary>
    /// A consumer builder for <paramref name="config"/> with errors and logs mapped; the caller adds its own handlers
    /// (rebalance callbacks) and builds it.
    /// </summary>
    public ConsumerBuilder<TKey, TValue> ConsumerBuilder<TKey, TValue>(string name, ConsumerConfig config) =>
        new ConsumerBuilder<TKey, TValue>(config)
            .SetErrorHandler((_, e) => OnError(name, e))
            .SetLogHandler((_, m) => OnLog(name, m));

    /// <summary>A consumer for stage or tool <paramref name="name"/> (its group is <c>{prefix}{name}</c>).</summary>
    public IConsumer<TKey, TValue> Consumer<TKey, TValue>(string name, IReadOnlyDictionary<string, string>? keys = null) =>
        ConsumerBuilder<TKey, TValue>(name, ConsumerConfig(name, keys)).Build();

    public IAdminClient Admin() =>
        new AdminClientBuilder(AdminConfig())
            .SetErrorHandler((_, e) => OnError("admin", e))
            .SetLogHandler((_, m) => OnLog("admin", m))
            .Build();

    /// <summary>librdkafka's syslog levels as log levels.</summary>
    public static LogLevel LevelOf(SyslogLevel level) => level switch
    {
        SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
        SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
        _ => LogLevel.Debug,
    };

    private void OnError(string client, Error e) =>
        _librdkafka.Log(e.IsFatal ? LogLevel.Critical : LogLevel.Warning, "Kafka client {Client} error {Code}: {Reason}", client, e.Code, e.Reason);

    private void OnLog(string client, LogMessage m) =>
        _librdkafka.Log(LevelOf(m.Level), "librdkafka {Client} {Facility}: {Message}", client, m.Facility, m.Message);

    public ProducerConfig ProducerConfig()
    {
        var config = Merge(new Dictionary<string, string>
        {
            ["enable.idempotence"] = "true",
            ["acks"] = "all",
            ["linger.ms"] = "5",
            ["compression.type"] = "lz4",
            ["message.max.bytes"] = "1048576",
            // Delivery reports carry the error and persistence status only: no handler reads a report's timestamp or
            // headers, which Confluent.Kafka would otherwise copy back from librdkafka for every message.
            ["dotnet.producer.delivery.report.fields"] = "status",
        }, options.Value.Client, options.Value.Producer);
        return new ProducerConfig(config) { BootstrapServers = cluster.BootstrapServers };
    }

    /// <summary>At-least-once consumer: offsets are stored by the stage only when a record's output is durable.</summary>
    public ConsumerConfig ConsumerConfig(string stage, IReadOnlyDictionary<string, string>? stageKeys = null)
    {
        var config = Merge(new Dictionary<string, string>
        {
            ["auto.offset.reset"] = "earliest",
            ["enable.auto.commit"] = "true",
            ["enable.auto.offset.store"] = "false",
            ["auto.commit.interval.ms"] = "1000",
            ["partition.assignment.strategy"] = "cooperative-sticky",
            ["session.timeout.ms"] = "10000",
            ["heartbeat.interval.ms"] = "1000",
            // Prefetch: at most 16 MiB queued per consumer (librdkafka: 64 MiB), so a process running every stage holds a
            // bounded read-ahead; and once a full queue has room again, fetch after 20 ms (librdkafka: 1 s, in which a
            // consumer faster than that read-ahead sat idle).
            ["queued.max.messages.kbytes"] = "16384",
            ["fetch.queue.backoff.ms"] = "20",
        }, options.Value.Client, options.Value.Consumer, StageKeys(stage), stageKeys ?? new Dictionary<string, string>());
        return new ConsumerConfig(config)
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = GroupId(stage),
            ClientId = $"millionx-{stage}",
        };
    }

    /// <summary>The librdkafka keys of <c>Stages:{stage}:Kafka</c>, the last configured layer of a stage's consumer.</summary>
    private Dictionary<string, string> StageKeys(string stage) =>
        configuration?.GetSection($"Stages:{stage}:Kafka").GetChildren().Where(c => c.Value is not null)
            .ToDictionary(c => c.Key, c => c.Value!, StringComparer.Ordinal) ?? [];

    /// <summary>
    /// Admin clients are short-lived (a metadata request, a topic check): Confluent.Kafka's result loop polls every
    /// <c>dotnet.cancellation.delay.max.ms</c> (100 ms by default), and disposing a client waits for that loop, so a
    /// 10 ms wait takes about 100 ms off every admin client's disposal (a process start makes several).
    /// </summary>
    public AdminClientConfig AdminConfig() =>
        new(Merge(new Dictionary<string, string> { ["dotnet.cancellation.delay.max.ms"] = "10" }, options.Value.Client)) { BootstrapServers = cluster.BootstrapServers };

    public string GroupId(string stage) => options.Value.GroupIdPrefix + stage;

    private static Dictionary<string, string> Merge(Dictionary<string, string> defaults, params IReadOnlyDictionary<string, string>[] layers)
    {
        foreach (var layer in layers)
        {
            foreach (var (k, v) in layer)
            {
                defaults[k] = v;
            }
        }

        return defaults;
    }
}
