using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace MillionX.Pipeline.Kafka;

/// <summary>Builds librdkafka configurations in layers: defaults, <c>Kafka:Client</c>, the client kind, then a stage's own keys.</summary>
public sealed class KafkaClientFactory(KafkaCluster cluster, IOptions<KafkaOptions> options)
{
    public KafkaOptions Options => options.Value;

    public ProducerConfig ProducerConfig()
    {
        var config = Merge(new Dictionary<string, string>
        {
            ["enable.idempotence"] = "true",
            ["acks"] = "all",
            ["linger.ms"] = "5",
            ["compression.type"] = "lz4",
            ["message.max.bytes"] = "1048576",
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
        }, options.Value.Client, options.Value.Consumer, stageKeys ?? new Dictionary<string, string>());
        return new ConsumerConfig(config)
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = GroupId(stage),
            ClientId = $"millionx-{stage}",
        };
    }

    public AdminClientConfig AdminConfig() =>
        new(Merge([], options.Value.Client)) { BootstrapServers = cluster.BootstrapServers };

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
